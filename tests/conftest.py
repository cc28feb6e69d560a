"""Shared fixtures: a small district and named personas (STYLE.md habit 4).

Personas: ``registrar`` and ``officer`` of the bureau, ``leader``, ``handler`` and ``head`` of the housing
bureau (区房管局), ``other_handler`` of the human-resources bureau (区人社局), ``street_handler`` of 江川路街道,
and the three admins.
"""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, user_create
from xinfang.cases.models import Category

SHANGHAI = ZoneInfo("Asia/Shanghai")
VALID_ID = "110101199003074514"  # a valid GB 11643 number (check digit 4)
VALID_ID_2 = "31011219850612002X"


def pytest_report_header(config):  # noqa: ANN001
    return f"database: {os.environ.get('DATABASE_URL', 'sqlite:///:memory:').split('@')[-1]}"


@pytest.fixture(autouse=True)
def _site_language():
    """Every test starts in the site's language (zh-hans) and leaves it so: a request to an English page
    activates English for the thread, and the management commands and services of the next test would
    otherwise speak English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _allow_purge_after_transactional_tests(request):
    """Tests that commit (transactional_db, live_server) end with a flush; on SQLite the flush DELETEs the
    append-only tables, which the triggers refuse. Empty them with the guard off first."""
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if transactional:
        # Requested from here, the database is set up before this fixture and torn down (flushed, then
        # blocked again) after it: the purge below runs first, while the database is still open.
        request.getfixturevalue("transactional_db")
    yield
    if transactional:
        # The previous transactional test's flush emptied the guard table too (a missing row counts as
        # enabled), so the row is written afresh rather than updated.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_appendonlyguard")
            cursor.execute("INSERT INTO core_appendonlyguard (id, enabled) VALUES (1, %s)", [False])
            cursor.execute("DELETE FROM core_auditentry")
            cursor.execute("DELETE FROM cases_caseevent")
        # The guard stays off for the flush that follows (on PostgreSQL a TRUNCATE of the append-only
        # tables, refused while it is on); the flush empties the guard table, so the next test starts
        # with the guard on again.


def at(text: str) -> datetime:
    """'2026-09-30 10:00' in Shanghai time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def district(db):
    units = {}
    units["gov"] = unit_create(code="MH", name="闵行区委区政府", kind=Unit.Kind.GOVERNMENT)
    units["bureau"] = unit_create(code="MH-XFB", name="区信访办", kind=Unit.Kind.BUREAU, parent=units["gov"])
    units["housing"] = unit_create(code="MH-FGJ", name="区房管局", kind=Unit.Kind.DEPARTMENT, parent=units["gov"])
    units["housing_office"] = unit_create(code="MH-FGJ-01", name="区房管局物业科", kind=Unit.Kind.DEPARTMENT,
                                          parent=units["housing"])
    units["hr"] = unit_create(code="MH-RSJ", name="区人社局", kind=Unit.Kind.DEPARTMENT, parent=units["gov"])
    units["street"] = unit_create(code="MH-JCL", name="江川路街道", kind=Unit.Kind.STREET, parent=units["gov"])
    units["street2"] = unit_create(code="MH-XZ", name="莘庄镇", kind=Unit.Kind.STREET, parent=units["gov"])
    units["discipline"] = unit_create(code="MH-JW", name="区纪委监委", kind=Unit.Kind.DISCIPLINE, parent=units["gov"])
    return units


@pytest.fixture
def categories(district):
    return {
        "housing": Category.objects.create(code="ZFBZ", name="住房保障", default_unit=district["housing"]),
        "labour": Category.objects.create(code="LDSB", name="劳动和社会保障", default_unit=district["hr"]),
        "property": Category.objects.create(code="WYFW", name="物业服务", default_unit=district["housing"]),
    }


def _user(username: str, role: str, unit: Unit | None) -> User:
    return user_create(username=username, role=role, unit=unit, password="correct-horse-battery")


@pytest.fixture
def personas(district):
    return {
        "registrar": _user("registrar", User.Role.REGISTRAR, district["bureau"]),
        "officer": _user("officer", User.Role.OFFICER, district["bureau"]),
        "leader": _user("leader", User.Role.LEADER, district["gov"]),
        "handler": _user("handler", User.Role.HANDLER, district["housing"]),
        "head": _user("head", User.Role.UNIT_HEAD, district["housing"]),
        "other_handler": _user("other", User.Role.HANDLER, district["hr"]),
        "street_handler": _user("street", User.Role.HANDLER, district["street"]),
        "office_handler": _user("office", User.Role.HANDLER, district["housing_office"]),
        "discipline_handler": _user("jw", User.Role.HANDLER, district["discipline"]),
        "system_admin": _user("sysadmin", User.Role.SYSTEM_ADMIN, None),
        "security_admin": _user("secadmin", User.Role.SECURITY_ADMIN, None),
        "audit_admin": _user("auditadmin", User.Role.AUDIT_ADMIN, None),
    }


@pytest.fixture
def login(personas):
    """``login("officer")`` is a fresh Django test client signed in (session) as that persona."""

    def make(name: str) -> Client:
        client = Client()
        client.force_login(personas[name])
        return client

    return make


@pytest.fixture
def api(personas):
    """``api("officer")`` is an API client authenticated with that persona's token; ``api(None)`` is
    anonymous."""

    def make(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            token, _ = Token.objects.get_or_create(user=personas[name])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
