"""The demo's grassroots work (xinfang/demo/grassroots.py): service point registrars, disputes of every
outcome, a 三所联动 mediation with sessions, agreement and follow-ups, visits of every kind, reception days
held, scheduled and cancelled — all through the services, with the number of cases asked for."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import at
from xinfang.accounts.models import Unit, User
from xinfang.cases.models import Case
from xinfang.core.audit import audit_verify
from xinfang.demo.logins import POINT_PREFIX, demo_logins
from xinfang.demo.seed import demo_seed
from xinfang.grassroots.models import Dispute, Mediation, ReceptionDay, Visit
from xinfang.grassroots.selectors import disputes_visible_to

NOW = at("2026-11-20 10:00")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django fixtures
    with django_db_blocker.unblock(), transaction.atomic():
        summary = demo_seed(cases=30, seed=11, now=NOW)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):  # noqa: ANN001
    return demo


def test_the_demo_shows_every_part_of_grassroots_work(seeded):
    assert seeded.cases == Case.objects.count() == 30
    points = User.objects.filter(username__startswith=POINT_PREFIX, role=User.Role.REGISTRAR)
    assert points.count() == 3 and not points.exclude(unit__kind=Unit.Kind.SERVICE_POINT).exists()
    assert {login.username for login in demo_logins()} >= set(points.values_list("username", flat=True))
    assert set(Dispute.objects.values_list("status", flat=True)) >= {"open", "mediating", "resolved", "referred",
                                                                      "converted"}
    joint = Mediation.objects.get(kind=Mediation.Kind.JOINT)
    assert set(joint.participants.values_list("kind", flat=True)) == {"police_station", "judicial_office", "law_firm"}
    assert joint.sessions.count() == 2 and joint.fulfilled_at is not None and joint.follow_ups.count() == 2
    assert set(Mediation.objects.values_list("outcome", flat=True)) >= {"agreement", "no_agreement", "arbitration", ""}
    assert set(Visit.objects.values_list("kind", flat=True)) >= {"walk", "down"}
    assert set(ReceptionDay.objects.values_list("status", flat=True)) == {"held", "scheduled", "cancelled"}
    # Three cases came from grassroots work, each linked back.
    converted = Case.objects.filter(events__action="grassroots_origin").distinct()
    assert converted.count() == 3


def test_point_staff_see_their_point_only_and_the_log_holds(seeded):
    registrar = User.objects.get(username__startswith=POINT_PREFIX + "mh-jcl")
    visible = disputes_visible_to(registrar)
    assert visible.exists() and not visible.exclude(unit=registrar.unit).exists()
    assert audit_verify().ok
