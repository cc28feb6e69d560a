"""The demo district's early warning (xinfang/demo/alerts.py): the sensitive-period calendar, announced
group visits open, acknowledged and closed, with notes and owners; the audit chain intact. One seed of 80
cases for the module, rolled back at the end."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import at
from xinfang.alerts.models import Alert, AlertNote, GroupVisitNotice, SensitivePeriod
from xinfang.alerts.selectors import alert_detail, alerts_visible_to
from xinfang.core.audit import audit_verify
from xinfang.demo.seed import demo_seed

NOW = at("2026-11-20 10:00")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django fixtures
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_seed(cases=80, seed=7, now=NOW)
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):  # noqa: ANN001
    return demo


def test_calendar_and_alerts_in_every_state(seeded):
    assert set(SensitivePeriod.objects.values_list("name", flat=True)) == {"国庆节", "全国两会"}
    assert GroupVisitNotice.objects.count() == 3
    states = set(Alert.objects.filter(rule="group_notice").values_list("status", flat=True))
    assert states == {"open", "acknowledged", "closed"}
    closed = Alert.objects.get(rule="group_notice", status="closed")
    assert closed.close_reason == "handled" and closed.owner.username == "leader"
    assert AlertNote.objects.filter(alert=closed).exists()
    assert all(a.raised_at <= NOW and a.updated_at <= NOW for a in Alert.objects.all())
    assert audit_verify().ok


def test_the_demo_leader_and_a_street_see_them(seeded):
    from xinfang.accounts.models import User

    leader = User.objects.get(username="leader")
    assert alerts_visible_to(leader).count() == Alert.objects.count()
    alert = Alert.objects.filter(rule="group_notice").first()
    assert alert_detail(user=leader, alert=alert).notices
