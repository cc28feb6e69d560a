"""Idle sessions end (SECURITY.md 4: idle ≤ 30 min; the absolute limit is SESSION_COOKIE_AGE)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from xinfang.core.audit import audit_record

# ``last_seen`` is rewritten at most once a minute: the idle limit is measured in minutes, and a session that
# is saved on every request races with a sign-out in another tab (Django answers the late save of a deleted
# session with HTTP 400) and costs a write per request.
LAST_SEEN_RESOLUTION = 60


class SessionIdleTimeoutMiddleware:
    """Signs a session-authenticated user out when the last request is older than
    ``SESSION_IDLE_SECONDS``; the next page then asks for the login again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated and "_auth_user_id" in session:
            now = int(timezone.now().timestamp())
            last = session.get("last_seen")
            if isinstance(last, int) and now - last > settings.SESSION_IDLE_SECONDS:
                audit_record(actor=user, action="auth.logout", obj=user, detail={"reason": "idle"})
                logout(request)
            elif not isinstance(last, int) or now - last >= LAST_SEEN_RESOLUTION:
                session["last_seen"] = now
        return self.get_response(request)
