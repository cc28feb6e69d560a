"""Staff sign-in (SECURITY.md 4): lockout keyed on the username, no user enumeration, new session id at
login, idle sessions end, logout deletes the session; every outcome audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from xinfang.accounts.login import user_unlock
from xinfang.accounts.models import User
from xinfang.core.clock import clock_at
from xinfang.core.errors import Forbidden
from xinfang.core.models import AuditEntry

PASSWORD = "correct-horse-battery"  # tests/conftest.py personas


def _login(client: Client, username: str, password: str, **extra: str):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def test_login_page_renders_with_labels(client, db):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'for="id_username"' in html and 'for="id_password"' in html
    assert 'autocomplete="current-password"' in html


def test_login_success_cycles_the_session_and_lands_on_the_workbench(client, personas):
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = _login(client, "officer", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    after = client.cookies["sessionid"].value
    assert before is None or before.value != after
    assert AuditEntry.objects.filter(action="auth.login", result="ok", username="officer").exists()
    home = client.get("/")
    assert home.status_code in (200, 302)


def test_wrong_password_unknown_user_and_locked_account_answer_the_same(client, personas):
    wrong = _login(client, "officer", "not-the-password")
    unknown = _login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    for _ in range(5):
        _login(client, "handler", "not-the-password")
    locked = _login(client, "handler", PASSWORD)  # even the right password is refused now
    assert locked.status_code == 400

    def message(response) -> str:
        html = response.content.decode()
        start = html.index('class="form-errors"')
        return html[start:html.index("</div>", start)]

    assert message(wrong) == message(unknown) == message(locked)
    assert "_auth_user_id" not in client.session


def test_five_failures_lock_the_username_not_the_address(personas):
    for _ in range(4):
        _login(Client(REMOTE_ADDR="10.0.0.1"), "handler", "wrong-password-x")
    assert User.objects.get(username="handler").locked_until is None
    # The fifth failure comes from another address of the same office NAT: the username is locked.
    _login(Client(REMOTE_ADDR="10.0.0.2"), "handler", "wrong-password-x")
    locked_until = User.objects.get(username="handler").locked_until
    assert locked_until is not None and locked_until > timezone.now()
    assert AuditEntry.objects.filter(action="auth.lockout", result="denied", object_id=str(personas["handler"].pk)).count() == 1
    # Other users from the same address are not affected.
    assert _login(Client(REMOTE_ADDR="10.0.0.1"), "officer", PASSWORD).status_code == 302


def test_lock_lifts_after_the_cool_off(personas, settings):
    for _ in range(5):
        _login(Client(), "handler", "wrong-password-x")
    later = timezone.now() + timedelta(seconds=settings.XINFANG["LOGIN_LOCK_SECONDS"] + 1)
    with clock_at(later):
        assert _login(Client(), "handler", PASSWORD).status_code == 302
    assert User.objects.get(username="handler").failed_logins == 0


def test_success_resets_the_failure_count(personas):
    for _ in range(4):
        _login(Client(), "handler", "wrong-password-x")
    assert _login(Client(), "handler", PASSWORD).status_code == 302
    _login(Client(), "handler", "wrong-password-x")
    user = User.objects.get(username="handler")
    assert user.failed_logins == 1 and user.locked_until is None


def test_security_admin_unlocks_and_others_may_not(personas):
    for _ in range(5):
        _login(Client(), "handler", "wrong-password-x")
    with pytest.raises(Forbidden):
        user_unlock(user=personas["handler"], actor=personas["officer"])
    assert User.objects.get(username="handler").locked_until is not None
    user_unlock(user=personas["handler"], actor=personas["security_admin"])
    assert User.objects.get(username="handler").locked_until is None
    assert AuditEntry.objects.filter(action="user.unlock", username="secadmin").exists()
    assert _login(Client(), "handler", PASSWORD).status_code == 302


def test_idle_session_ends(client, personas, settings):
    assert _login(client, "officer", PASSWORD).status_code == 302
    assert client.get("/").wsgi_request.user.is_authenticated
    later = timezone.now() + timedelta(seconds=settings.SESSION_IDLE_SECONDS + 5)
    with clock_at(later):
        response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert AuditEntry.objects.filter(action="auth.logout", username="officer").exists()


def test_activity_keeps_the_session_alive(client, personas, settings):
    assert _login(client, "officer", PASSWORD).status_code == 302
    step = timedelta(seconds=settings.SESSION_IDLE_SECONDS - 60)
    moment = timezone.now()
    for _ in range(3):
        moment += step
        with clock_at(moment):
            assert client.get("/").wsgi_request.user.is_authenticated


def test_last_seen_is_written_at_most_once_a_minute(client, personas):
    """A burst of requests (a page and its htmx fragments) does not save the session each time: the save of
    a late fragment would race with a sign-out in another tab (HTTP 400)."""
    from xinfang.accounts.middleware import LAST_SEEN_RESOLUTION

    assert _login(client, "officer", PASSWORD).status_code == 302
    first = client.get("/").wsgi_request.session["last_seen"]
    moment = timezone.now() + timedelta(seconds=LAST_SEEN_RESOLUTION - 5)
    with clock_at(moment):
        assert client.get("/").wsgi_request.session["last_seen"] == first
    with clock_at(moment + timedelta(seconds=10)):
        assert client.get("/").wsgi_request.session["last_seen"] > first


def test_logout_deletes_the_session_and_needs_post(client, personas):
    _login(client, "officer", PASSWORD)
    key = client.cookies["sessionid"].value
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert AuditEntry.objects.filter(action="auth.logout", username="officer").exists()


def test_next_only_to_this_site(client, personas):
    response = _login(client, "officer", PASSWORD, next="https://evil.example/")
    assert response["Location"] == "/"


def test_admins_without_case_pages_get_a_home_page(client, personas):
    client.force_login(personas["audit_admin"])
    response = client.get("/")
    assert response.status_code == 200
    assert "三员" in response.content.decode()


def test_pages_need_login(client, db):
    assert client.get("/").status_code == 302


def test_one_navigation_item_is_current(client, personas):
    client.force_login(personas["registrar"])
    html = client.get("/cases/new/").content.decode()
    nav = html[html.index("<nav"):html.index("</nav>")]
    assert nav.count('aria-current="page"') == 1
    current = nav[:nav.index('aria-current="page"')]
    assert current.rstrip().endswith('href="/cases/new/"')
