"""One error shape for the whole API: ``{"message": ..., "errors": {field: [...]}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from xinfang.core.errors import ApplicationError


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.b[0].c": ["…"]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # A nested serializer's own errors (``{"petitioners": {"non_field_errors": [...]}}``: "may not
            # be empty", "expected a list") belong to the field itself, not to "petitioners.non_field_errors",
            # which no client form has (tests/api).
            if key == "non_field_errors" and prefix:
                out.update(_flatten(value, prefix))
                continue
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else key))
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for index, value in enumerate(detail):
                if value:
                    out.update(_flatten(value, f"{prefix}[{index}]"))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"message": str(exc.message), "errors": exc.errors, "code": exc.code},
                        status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE: Django raises this when DRF reads request.body, and it
        # used to escape as Django's HTML "Bad Request (400)" page instead of the API's error shape.
        return Response({"message": _("请求内容过大。"), "errors": {}, "code": "too_large"},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"message": _("未找到。"), "errors": {}, "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return Response({"message": _("输入有误，请检查后重新提交。"), "errors": _flatten(exc.detail),
                         "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ParseError):
        return Response({"message": _("请求内容不是有效的 JSON。"), "errors": {}, "code": "parse_error"},
                        status=status.HTTP_400_BAD_REQUEST)
    response = exception_handler(exc, context)
    if response is not None:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = {"message": str(detail), "errors": {},
                         "code": getattr(getattr(exc, "detail", None), "code", "error")}
    return response


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """A path under /api/v1/ that names no endpoint: the API's 404 in the one error shape (it used to fall
    through to the site's HTML 404 page; tests/api/test_bad_requests.py). CSRF-exempt like every API
    view: a POST with a session cookie but no CSRF token (/api/v1/cases/abc/accept/) got Django's HTML 403
    page instead (tests/api/test_fuzz.py); it changes nothing, so there is nothing to protect."""
    return JsonResponse({"message": _("未找到。"), "errors": {}, "code": "not_found"}, status=404,
                        json_dumps_params={"ensure_ascii": False})
