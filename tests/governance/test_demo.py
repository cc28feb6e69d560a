"""The demo district's governance (xinfang/demo/governance.py): about a dozen backlog cases, by rule and by
decision, with leaders, teams, plans, milestones, notes and hearings, outcomes and after-care; supervision
orders replied, closed, open and one listed; every timeline still in order, nothing in the future, the
accused never on a team. One seed of 80 cases for the module, rolled back at the end."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.conftest import at
from xinfang.accounts.access import cases_visible_to
from xinfang.cases.models import Case, CaseEvent
from xinfang.core.audit import audit_verify
from xinfang.demo.seed import demo_seed
from xinfang.governance.models import (
    AfterCareTask,
    BacklogEntry,
    BacklogMilestone,
    BacklogNote,
    BacklogTeamMember,
    SupervisionOrder,
)

NOW = at("2026-11-20 10:00")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):  # noqa: ANN001 - pytest-django fixtures
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_seed(cases=80, seed=7, now=NOW)
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db):  # noqa: ANN001
    return demo


def test_a_dozen_backlog_cases_worked_by_their_leader(seeded):
    entries = BacklogEntry.objects.all()
    assert 10 <= entries.count() <= 30
    assert {"rule", "manual"} <= set(entries.values_list("source", flat=True))
    led = entries.filter(leader__username="leader")
    assert led.count() >= 5 and entries.filter(leader__isnull=True).exists()
    assert led.exclude(plan="").count() >= 4
    assert BacklogTeamMember.objects.exists() and BacklogMilestone.objects.filter(done_at__isnull=False).exists()
    assert set(BacklogNote.objects.values_list("kind", flat=True)) == {"progress", "meeting", "hearing"}
    assert entries.filter(outcome__in=["resolved", "stopped"]).exists()
    assert AfterCareTask.objects.filter(status="done").exists() and AfterCareTask.objects.filter(status="open").exists()
    # Whoever is on a team sees the case (never a member of an accused unit).
    for member in BacklogTeamMember.objects.select_related("user", "entry"):
        assert cases_visible_to(member.user).filter(pk=member.entry.case_id).exists()


def test_supervision_orders_in_every_state_and_one_listed(seeded):
    orders = SupervisionOrder.objects.all()
    assert set(orders.values_list("status", flat=True)) == {"open", "replied", "closed"}
    listed = orders.get(listed=True)
    assert listed.overdue_at is not None and listed.case is not None
    assert CaseEvent.objects.filter(case=listed.case, action__in=["supervision_overdue", "supervision_listed"]).count() == 2
    assert orders.filter(case__isnull=True).exists()


def test_timelines_stay_in_order_and_in_the_past(seeded):
    touched = Case.objects.filter(pk__in=BacklogEntry.objects.values("case_id")) | Case.objects.filter(
        pk__in=SupervisionOrder.objects.exclude(case__isnull=True).values("case_id"))
    for case in touched:
        moments = list(case.events.order_by("id").values_list("at", flat=True))
        assert moments == sorted(moments), case.number
    assert not CaseEvent.objects.filter(at__gt=NOW).exists()
    assert BacklogEntry.objects.filter(entered_at__gt=NOW).count() == 0
    assert audit_verify().ok
