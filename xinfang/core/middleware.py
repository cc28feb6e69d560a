"""Security headers and per-request context."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from xinfang.core.context import client_ip

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


def request_client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it, and the
    # deployment guide has the proxy set REMOTE_ADDR (uwsgi/gunicorn behind nginx with real_ip).
    return request.META.get("REMOTE_ADDR", "")


class SecurityHeadersMiddleware:
    """CSP ``default-src 'self'`` everywhere; ``Cache-Control: no-store`` on everything that may carry
    personal data (API answers and signed-in pages) — SECURITY.md 14."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_ip.set(request_client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            client_ip.reset(token)
        response.headers.setdefault("Content-Security-Policy", CSP)
        if not request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response
