"""Wrong query codes are limited per client address: after PORTAL_FAILURES_PER_WINDOW wrong codes the
address gets 429, even for a right code, on every portal endpoint; other addresses are not affected.
The cache is locmem in tests and cleared around each test (conftest.py)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings
from django.core.cache.backends import locmem

from tests.api.builders import assert_error, db_counts

WRONG = "0000-0000-0000-0000"


@pytest.fixture
def limit():
    value = django_settings.XINFANG["PORTAL_FAILURES_PER_WINDOW"]
    assert value == 10  # config/settings.py default (XINFANG_PORTAL_FAILURES)
    return value


def _track(client, code, **extra):
    return client.get(f"/api/v1/portal/track/{code}/", **extra)


def test_right_code_still_works_one_below_the_limit(api, flow, limit):
    _case, code = flow.register()
    client = api(None)
    for _ in range(limit - 1):
        assert_error(_track(client, WRONG), 404)
    assert _track(client, code).status_code == 200


def test_at_the_limit_even_the_right_code_gets_429(api, flow, limit):
    case, code = flow.case_at("replied")
    client = api(None)
    for _ in range(limit):
        assert_error(_track(client, WRONG), 404)
    before = db_counts()

    payload = assert_error(_track(client, code), 429)
    assert payload["code"] == "rate_limited"
    assert_error(_track(client, WRONG), 429)  # no longer told whether a code is right
    for url, body in [("/api/v1/portal/rate/", {"query_code": code, "rating": "satisfied"}),
                      ("/api/v1/portal/review/", {"query_code": code, "reason": "电梯仍未修好"})]:
        assert_error(client.post(url, body, format="json"), 429)

    assert db_counts() == before
    case.refresh_from_db()
    assert case.status == "replied"


def test_another_address_is_not_limited(api, flow, limit):
    _case, code = flow.register()
    client = api(None)
    for _ in range(limit):
        _track(client, WRONG)
    assert_error(_track(client, code), 429)
    assert _track(client, code, REMOTE_ADDR="10.20.30.40").status_code == 200


def test_forwarded_for_header_does_not_reset_the_limit(api, flow, limit):
    """X-Forwarded-For is set by the client: trusting it would give a scanner a fresh address per request."""
    _case, code = flow.register()
    client = api(None)
    for i in range(limit):
        _track(client, WRONG, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert_error(_track(client, code, HTTP_X_FORWARDED_FOR="10.9.9.9"), 429)


def test_wrong_codes_on_the_post_endpoints_count_too(api, flow, limit):
    _case, code = flow.case_at("replied")
    client = api(None)
    for i in range(limit):
        url = ("/api/v1/portal/rate/", "/api/v1/portal/review/", "/api/v1/portal/re-review/")[i % 3]
        body = {"query_code": WRONG, "rating": "satisfied", "reason": "电梯仍未修好"}
        assert_error(client.post(url, body, format="json"), 404)
    assert_error(_track(client, code), 429)


def test_right_codes_do_not_count(api, flow, limit):
    _case, code = flow.register()
    client = api(None)
    for _ in range(limit + 5):
        assert _track(client, code).status_code == 200


class _ClockAhead:
    """Stands in for the ``time`` module of the locmem cache: ``seconds`` later than now."""

    def __init__(self, seconds):
        self.seconds = seconds

    def time(self):
        return time.time() + self.seconds


def test_the_limit_lasts_for_the_window_then_ends(api, flow, limit, monkeypatch):
    window = django_settings.XINFANG["PORTAL_WINDOW_SECONDS"]
    _case, code = flow.register()
    client = api(None)
    for _ in range(limit):
        _track(client, WRONG)
    monkeypatch.setattr(locmem, "time", _ClockAhead(window - 30))
    assert_error(_track(client, code), 429)
    monkeypatch.setattr(locmem, "time", _ClockAhead(window + 1))
    assert _track(client, code).status_code == 200


def test_a_smaller_configured_limit_is_honoured(api, flow, settings):
    settings.XINFANG = {**settings.XINFANG, "PORTAL_FAILURES_PER_WINDOW": 2}
    _case, code = flow.register()
    client = api(None)
    _track(client, WRONG)
    assert _track(client, code).status_code == 200
    _track(client, WRONG)
    assert_error(_track(client, code), 429)
