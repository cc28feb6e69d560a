"""Security headers and the client address (xinfang/core/middleware.py, SECURITY.md 8 and 14)."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tests.conftest import VALID_ID
from xinfang.core.context import client_ip
from xinfang.core.middleware import CSP, SecurityHeadersMiddleware, request_client_ip
from xinfang.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert csp.startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["Cache-Control"] == "no-store"


def test_api_answers_carry_csp_and_no_store(api):
    response = api("officer").get("/api/v1/units/")
    assert response.status_code == 200
    assert any(u["code"] == "MH-XFB" for u in response.json())
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/cases/"])
def test_refusals_carry_them_too(api, path):
    response = api(None).get(path)
    assert response.status_code in (401, 403)
    assert_security_headers(response)


def test_not_found_carries_them(api):
    response = api("officer").get("/api/v1/cases/999999/")
    assert response.status_code == 404
    assert_security_headers(response)


def test_static_files_may_be_cached():
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("body{}", content_type="text/css"))
    response = middleware(RequestFactory().get("/static/site.css"))
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["Content-Security-Policy"] == CSP


def test_a_view_may_set_a_stricter_policy_and_never_loses_no_store():
    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        response["Cache-Control"] = "max-age=3600, public"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/cases/1/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Cache-Control"] == "no-store"


def test_client_ip_is_remote_addr_only():
    # No proxy setting exists: X-Forwarded-For is chosen by the client and must not be believed.
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="6.6.6.6",
                                   HTTP_X_REAL_IP="7.7.7.7")
    assert request_client_ip(request) == "10.1.2.3"
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]
    assert request_client_ip(request) == ""


def test_the_client_ip_reaches_the_audit_row_and_is_forgotten_after_the_request(api, categories):
    seen: list[str] = []

    def view(request):
        seen.append(client_ip.get())
        return HttpResponse("ok")

    SecurityHeadersMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))
    assert seen == ["203.0.113.9"]
    assert client_ip.get() == ""

    response = api("registrar").post("/api/v1/cases/", {
        "channel": "letter", "received_at": "2026-09-30T10:00:00+08:00", "matter_type": "claim",
        "title": "小区电梯长期故障", "content": "电梯已经坏了三个月，物业一直不修。",
        "petitioners": [{"name": "张三", "id_number": VALID_ID, "phone": "13812345678"}],
        "category": "ZFBZ", "street": "MH-JCL",
    }, format="json", REMOTE_ADDR="10.20.30.40", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert response.status_code == 201, response.json()
    row = AuditEntry.objects.get(action="case.create", object_id=str(response.json()["id"]))
    assert row.ip == "10.20.30.40"
    assert row.username == "registrar"
    assert client_ip.get() == ""
