"""Token authentication (``Authorization: Token <key>``) that loads the user's unit with the token:
every scoped query needs the unit, so this saves a query on each request; and API keys of external
systems (``X-API-Key``), which are not users."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class UnitTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):  # noqa: ANN201 - DRF signature
        token = Token.objects.select_related("user", "user__unit").filter(key=key).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或用户已停用。"))
        return (token.user, token)


class ApiKeyAuthentication(BaseAuthentication):
    """API keys of external systems (``xinfang.api.clients``): ``X-API-Key: <key>``.

    Open311 GeoReport v2 clients send ``api_key`` as a parameter. Accepted in a POST body only: a key in
    the URL ends up in proxy and server logs and browser history, so ``?api_key=`` is refused (401) on
    every method, and the refusal is audited with the key's prefix so the key can be revoked.

    A request without a key is left to the view (anonymous); an unknown or revoked key is 401. Every use,
    accepted or refused, is audited. ``request.user`` becomes an ``ApiClientActor`` (not authenticated as
    a user: staff endpoints stay closed to it) and ``request.auth`` the ``ApiClient``."""

    def authenticate(self, request: Request):  # noqa: ANN201 - DRF signature
        from xinfang.api.clients import ApiClientActor, api_client_by_key, api_client_touch, api_key_refuse

        method, path = request.method or "", request.path
        if "api_key" in request.query_params:
            api_key_refuse(key=request.query_params.get("api_key", ""), reason="key_in_url", request_method=method,
                           request_path=path)
            raise exceptions.AuthenticationFailed(_("API 密钥不能放在网址中，请使用 X-API-Key 请求头或在请求正文中提交。"))
        key = request.META.get("HTTP_X_API_KEY", "")
        if not key and method == "POST":
            data = request.data
            if hasattr(data, "get"):
                key = data.get("api_key", "") or ""
        if not key:
            return None
        if not isinstance(key, str):
            key = ""
        client = api_client_by_key(key)
        if client is None:
            api_key_refuse(key=key, reason="unknown_or_revoked", request_method=method, request_path=path)
            raise exceptions.AuthenticationFailed(_("API 密钥无效或已吊销。"))
        api_client_touch(client=client, request_method=method, request_path=path)
        return (ApiClientActor(client), client)

    def authenticate_header(self, request: Request) -> str:
        # A 401 needs a WWW-Authenticate challenge (RFC 9110 §11.6.1); without one DRF answers 403.
        return 'ApiKey realm="xinfang"'


class HasApiAction(BasePermission):
    """Allows a request made with an API key whose client is allowed ``action`` (set on the view as
    ``api_action``). No key: 401; a key without the action: 403, audited."""

    def has_permission(self, request: Request, view: Any) -> bool:
        from xinfang.api.models import ApiClient
        from xinfang.core.audit import audit_record

        client = request.auth
        if not isinstance(client, ApiClient):
            raise exceptions.NotAuthenticated(_("需要 API 密钥。"))
        action = view.api_action
        if not client.allows(action):
            audit_record(actor=request.user, action="apikey.use", obj=client, result="denied",
                         detail={"reason": "action_not_allowed", "action": action, "path": request.path[:200]})
            raise exceptions.PermissionDenied(_("该 API 密钥无权执行此操作：%(action)s") % {"action": action})
        return True


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The API key in the OpenAPI schema (drf-spectacular cannot guess a custom authenticator)."""

    target_class = "xinfang.api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-API-Key"}
