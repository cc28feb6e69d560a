"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md).

GET methods are public, as the spec has them, and limited per client address (a window of
``XINFANG["OPEN311_READS_PER_WINDOW"]`` requests per ``OPEN311_WINDOW_SECONDS``) like the portal's
look-ups; a client whose key allows ``open311.read`` is not limited. POST requests needs a key allowed
``open311.submit``. Answers and errors follow the spec in JSON or XML (the extension of the path), never
the /api/v1/ error shape: an Open311 client parses ``[{"code": …, "description": …}]``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from xinfang.api.authentication import ApiKeyAuthentication, HasApiAction
from xinfang.api.models import ApiClient
from xinfang.api.parsers import JSONParser
from xinfang.cases.services.registration import query_code_format
from xinfang.core.audit import audit_record
from xinfang.core.errors import ApplicationError, NotFound, RateLimited
from xinfang.core.middleware import request_client_ip
from xinfang.open311.formats import FORMATS, open311_errors, open311_response
from xinfang.open311.selectors import (
    service_by_code,
    service_data,
    service_definition_data,
    service_request_data,
    service_requests_filter,
    service_requests_public,
    services_active,
)
from xinfang.open311.services import Open311Submission, open311_request_submit

READ_ACTION = "open311.read"


def _reads_exceeded(ip: str) -> bool:
    """Count one public read from ``ip``; True once the window's allowance is used up. The first refusal
    of a window is audited (not every one: a scanner would otherwise write the audit log full)."""
    limit = settings.XINFANG["OPEN311_READS_PER_WINDOW"]
    key = f"open311:reads:{ip or 'unknown'}"
    if cache.add(key, 1, timeout=settings.XINFANG["OPEN311_WINDOW_SECONDS"]):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.XINFANG["OPEN311_WINDOW_SECONDS"])
            count = 1
    if count == limit + 1:
        audit_record(actor=None, action="open311.read", result="denied", ip=ip, detail={"reason": "rate_limited"})
    return count > limit


class _Open311Api(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes: list = []
    parser_classes = [parsers.FormParser, parsers.MultiPartParser, JSONParser]
    # Not in the /api/v1/ schema: the spec is the contract of these paths.
    schema = None

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The format is the path's extension (spec), whatever the Accept header says.
        return (JSONRenderer(), "application/json")

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if request.method == "GET":
            client = request.auth
            exempt = isinstance(client, ApiClient) and client.allows(READ_ACTION)
            if not exempt and _reads_exceeded(request_client_ip(request)):
                raise RateLimited(_("请求过于频繁，请稍后再试。"))

    def handle_exception(self, exc: Exception) -> HttpResponse:  # type: ignore[override]  # the spec's shape, not a DRF Response
        fmt = self.kwargs.get("fmt", "json") if getattr(self, "kwargs", None) else "json"
        fmt = fmt if fmt in FORMATS else "json"
        headers: dict[str, str] = {}
        if isinstance(exc, ApplicationError):
            status = exc.status_code
            texts = [f"{field}: {m}" for field, messages in exc.errors.items() for m in messages] or [str(exc.message)]
        elif isinstance(exc, Http404):
            status, texts = 404, [_("未找到。")]
        elif isinstance(exc, RequestDataTooBig):
            status, texts = 400, [_("请求内容过大。")]
        elif isinstance(exc, exceptions.ParseError):
            status, texts = 400, [_("请求内容无法解析。")]
        elif isinstance(exc, exceptions.APIException):
            status, texts = exc.status_code, [str(exc.detail)]
            if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
                status, headers = 401, {"WWW-Authenticate": 'ApiKey realm="xinfang"'}
            if isinstance(exc, exceptions.Throttled | exceptions.MethodNotAllowed):
                headers.update(getattr(exc, "headers", None) or {})
        else:
            raise exc
        response = open311_errors([(status, text) for text in texts], fmt=fmt, status=status)
        for name, value in headers.items():
            response[name] = value
        if status == 405:
            response["Allow"] = ", ".join(self.allowed_methods)
        return response


class ServiceListApi(_Open311Api):
    """GET services.{fmt}: the active categories."""

    def get(self, request: Request, fmt: str) -> HttpResponse:
        return open311_response([service_data(c) for c in services_active()], fmt=fmt, root="services")


class ServiceDefinitionApi(_Open311Api):
    """GET services/{code}.{fmt}: a service's definition (no attributes)."""

    def get(self, request: Request, code: str, fmt: str) -> HttpResponse:
        category = service_by_code(code)
        if category is None:
            raise NotFound(_("未知的服务类型：%(code)s") % {"code": code[:32]})
        return open311_response(service_definition_data(category), fmt=fmt, root="service_definition")


def _param(data: Any, name: str) -> str:
    value = data.get(name, "") if hasattr(data, "get") else ""
    if isinstance(value, list):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def _attribute(data: Any, name: str) -> str:
    """``attribute[name]`` of a form body, or ``{"attribute": {"name": …}}`` of a JSON one."""
    nested = data.get("attribute") if hasattr(data, "get") else None
    if isinstance(nested, dict) and isinstance(nested.get(name), str):
        return nested[name].strip()
    return _param(data, f"attribute[{name}]")


class ServiceRequestListApi(_Open311Api):
    """GET requests.{fmt} (public, filtered) and POST requests.{fmt} (a key allowed ``open311.submit``)."""

    api_action = "open311.submit"

    def get_permissions(self) -> list[Any]:
        return [HasApiAction()] if self.request.method == "POST" else []

    def get(self, request: Request, fmt: str) -> HttpResponse:
        cases = list(service_requests_filter(service_requests_public(), request.query_params))
        audit_record(actor=request.user, action="open311.read", ip=request_client_ip(request),
                     detail={"count": len(cases)})
        return open311_response([service_request_data(c) for c in cases], fmt=fmt, root="service_requests")

    def post(self, request: Request, fmt: str) -> HttpResponse:
        data = request.data
        fields = {name: _param(data, name) for name in (
            "service_code", "description", "lat", "long", "address_string", "first_name", "last_name", "phone",
            "email", "device_id", "account_id", "media_url")}
        submission = Open311Submission(**fields, id_number=_attribute(data, "id_number"),
                                       matter_type=_attribute(data, "matter_type"))
        client = request.auth
        assert isinstance(client, ApiClient)  # noqa: S101 - HasApiAction let only clients through
        result = open311_request_submit(client=client, submission=submission)
        if result.linked_to is not None:
            notice = _("同一事项正在办理，本次反映已并入该事项。")
        elif not result.case.is_open:
            notice = _("该事项已经复核，同一事实和理由不再受理（《信访工作条例》第三十六条第三款）。")
        else:
            notice = _("已登记，将在15日内转送交办（《信访工作条例》第二十二条）。信访人可凭查询码查询办理进展。")
        answer: dict[str, Any] = {"service_request_id": result.case.number, "service_notice": notice,
                                  "account_id": fields["account_id"] or None,
                                  # Not in the spec: the petitioner's query code for the portal, returned once
                                  # to the system that submitted (as the portal's result page shows it once).
                                  "query_code": query_code_format(result.query_code)}
        return open311_response([answer], fmt=fmt, root="service_requests", status=201)


class ServiceRequestDetailApi(_Open311Api):
    """GET requests/{id}.{fmt}: one service request (a list of one, as the spec has it)."""

    def get(self, request: Request, request_id: str, fmt: str) -> HttpResponse:
        case = service_requests_public().filter(number=request_id).first()
        if case is None:
            raise NotFound(_("未找到该服务请求：%(id)s") % {"id": request_id[:32]})
        audit_record(actor=request.user, action="open311.read", obj=case, ip=request_client_ip(request))
        return open311_response([service_request_data(case)], fmt=fmt, root="service_requests")


def open311_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """A path under /open311/v2/ that names no method or format: the spec's error list, in XML when the
    path asks for XML."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return open311_errors([(404, _("未找到。"))], fmt=fmt, status=404)
