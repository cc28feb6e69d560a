"""Staff sign-in with a lockout keyed on the username (SECURITY.md 4; 等保 2.0 §8.1.4.1 登录失败处理).

Every outcome answers the same message to the browser, so a stranger cannot tell a wrong password from an
unknown or locked username (no user enumeration); the audit log records which it was.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.models import User
from xinfang.core.audit import audit_record
from xinfang.core.errors import Forbidden


def login_failed_message() -> str:
    return _("用户名或密码不正确，或账号已被暂时锁定。连续失败%(n)d次后账号将锁定%(m)d分钟。") % {
        "n": settings.XINFANG["LOGIN_MAX_FAILURES"], "m": settings.XINFANG["LOGIN_LOCK_SECONDS"] // 60}


def login_attempt(*, request: HttpRequest, username: str, password: str) -> User:
    """Sign ``username`` in (a new session id, Django's ``login``) or raise ``Forbidden`` with the one
    message. The fifth failure in a row locks the username for ``LOGIN_LOCK_SECONDS``; a success resets the
    count. Counting is a conditional UPDATE, so parallel attempts cannot lose a failure."""
    username = (username or "").strip()
    now = timezone.now()
    account = User.objects.filter(username=username).first()
    if account is not None and account.locked_until is not None and account.locked_until > now:
        audit_record(actor=None, action="auth.login", obj=account, result="locked",
                     detail={"username": username[:150]})
        raise Forbidden(login_failed_message(), code="login_failed")
    user = authenticate(request, username=username, password=password) if password else None
    if user is None or not user.is_active:
        if account is not None:
            User.objects.filter(pk=account.pk).update(failed_logins=F("failed_logins") + 1)
            locked = User.objects.filter(pk=account.pk,
                                         failed_logins__gte=settings.XINFANG["LOGIN_MAX_FAILURES"]).update(
                locked_until=now + timedelta(seconds=settings.XINFANG["LOGIN_LOCK_SECONDS"]), failed_logins=0)
            audit_record(actor=None, action="auth.lockout" if locked else "auth.login", obj=account,
                         result="denied", detail={"username": username[:150]})
        else:
            audit_record(actor=None, action="auth.login", result="denied",
                         detail={"username": username[:150], "reason": "unknown_user"})
        raise Forbidden(login_failed_message(), code="login_failed")
    assert isinstance(user, User)
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    login(request, user)  # cycles the session key (SECURITY.md 4: new session id at login)
    request.session["last_seen"] = int(now.timestamp())
    audit_record(actor=user, action="auth.login", obj=user)
    return user


def logout_user(*, request: HttpRequest) -> None:
    """End the session (deleted server-side) and audit it."""
    user: Any = request.user
    if getattr(user, "is_authenticated", False):
        audit_record(actor=user, action="auth.logout", obj=user)
    logout(request)


def user_unlock(*, user: User, actor: Any) -> User:
    """A security admin lifts a lockout (SECURITY.md 3, 4)."""
    if not actor.has_perm("accounts.change_user"):
        raise Forbidden(_("只有安全管理员可以解锁账号。"))
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit_record(actor=actor, action="user.unlock", obj=user)
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    return user
