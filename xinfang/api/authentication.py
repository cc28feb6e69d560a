"""Token authentication (``Authorization: Token <key>``) that loads the user's unit with the token:
every scoped query needs the unit, so this saves a query on each request."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class UnitTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key: str):  # noqa: ANN201 - DRF signature
        token = Token.objects.select_related("user", "user__unit").filter(key=key).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌无效或用户已停用。"))
        return (token.user, token)
