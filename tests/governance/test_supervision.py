"""Supervision (督查督办): issuing an order on a case or a unit, the unit's reply, the review, reminders
(once per stage, whatever the number of workers), escalation to 挂牌督办, and the case timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import at
from tests.governance.conftest import TODAY
from xinfang.cases.models import CaseEvent
from xinfang.core.clock import clock_at
from xinfang.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.governance import services, tasks
from xinfang.governance.models import SupervisionOrder, SupervisionReply
from xinfang.governance.selectors import supervision_listed, supervision_orders_visible
from xinfang.notifications.models import Notification

REPLY = "已召开专题会议研究，责成物业十日内完成维修，并将结果书面报告。"


def notified(user, kind: str) -> int:
    return Notification.objects.filter(user=user, kind=kind).count()


def test_an_order_on_a_case_supervises_its_handling_unit(gov):
    case = gov.case()
    order = gov.order(case)
    assert order.unit == gov.district["housing"] and order.status == SupervisionOrder.Status.OPEN
    assert order.issued_by == gov.personas["officer"] and order.issuer_role == "officer"
    assert order.number == f"DB2026-{order.pk:05d}"
    event = CaseEvent.objects.get(case=case, action="supervision_issued")
    assert "区房管局" in event.note and "拖延" in event.note and event.data["order"] == order.pk
    assert notified(gov.personas["handler"], "supervision") == 1 and notified(gov.personas["head"], "supervision") == 1
    assert notified(gov.personas["other_handler"], "supervision") == 0
    assert AuditEntry.objects.filter(action="governance.supervision_issued", username="officer").exists()


def test_a_leader_issues_too_and_a_unit_may_be_supervised_without_a_case(gov):
    order = gov.order(unit="hr", actor="leader")
    assert order.case is None and order.issuer_role == "leader"
    assert notified(gov.personas["other_handler"], "supervision") == 1
    assert notified(gov.personas["handler"], "supervision") == 0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"case": None, "unit": None}, "case"),
    ({"unit": "hr"}, "case"),  # both a case and a unit
    ({"grounds": "laziness"}, "grounds"),
    ({"text": "太短"}, "text"),
    ({"reply_due": TODAY}, "reply_due"),
    ({"reply_due": None}, "reply_due"),
])
def test_bad_orders_are_refused_and_nothing_is_written(gov, kwargs, field):
    case = gov.case()
    events = CaseEvent.objects.count()
    values = {"actor": gov.personas["officer"], "case": case, "unit": None, "grounds": "delay",
              "text": "该事项办理拖延，请立即研究处理。", "reply_due": TODAY + timedelta(days=5)}
    values.update(kwargs)
    if isinstance(values["unit"], str):
        values["unit"] = gov.district[values["unit"]]
    with pytest.raises(ValidationFailed) as refused:
        services.supervision_issue(**values)
    assert field in refused.value.errors
    assert not SupervisionOrder.objects.exists() and CaseEvent.objects.count() == events


def test_only_the_bureau_and_leaders_issue_and_only_on_routed_cases(gov):
    registered = gov.case(to="registered")
    with pytest.raises(ValidationFailed):
        gov.order(registered)
    for name in ("handler", "head", "registrar"):
        with pytest.raises(Forbidden):
            gov.order(gov.case(), actor=name)
    assert not SupervisionOrder.objects.exists()


def test_the_unit_replies_and_the_issuer_closes_or_returns(gov):
    case = gov.case()
    order = gov.order(case)
    handler, officer = gov.personas["handler"], gov.personas["officer"]
    with pytest.raises(NotFound):
        services.supervision_reply(order=order, actor=gov.personas["other_handler"], text=REPLY)
    with pytest.raises(ValidationFailed):
        services.supervision_reply(order=order, actor=handler, text="收到")
    reply = services.supervision_reply(order=order, actor=handler, text=REPLY)
    assert not reply.late and SupervisionOrder.objects.get(pk=order.pk).status == SupervisionOrder.Status.REPLIED
    assert notified(officer, "supervision_replied") == 1
    with pytest.raises(InvalidTransition):
        services.supervision_reply(order=order, actor=gov.personas["head"], text=REPLY)
    with pytest.raises(Forbidden):
        services.supervision_review(order=order, actor=handler, accept=True, note="")
    # Returned: the unit replies again by a new date.
    with pytest.raises(ValidationFailed):
        services.supervision_review(order=order, actor=officer, accept=False, note="未写明整改时限")
    services.supervision_review(order=order, actor=officer, accept=False, note="未写明整改时限",
                                reply_due=TODAY + timedelta(days=3))
    order.refresh_from_db()
    assert order.status == SupervisionOrder.Status.OPEN and order.reply_due == TODAY + timedelta(days=3)
    assert SupervisionReply.objects.get(pk=reply.pk).review == "returned"
    services.supervision_reply(order=order, actor=gov.personas["head"], text=REPLY + "十日内完成。")
    services.supervision_review(order=order, actor=officer, accept=True, note="同意办结")
    order.refresh_from_db()
    assert order.status == SupervisionOrder.Status.CLOSED and order.closed_by == officer
    assert list(CaseEvent.objects.filter(case=case, action__startswith="supervision").values_list(
        "action", flat=True)) == ["supervision_issued", "supervision_replied", "supervision_returned",
                                  "supervision_replied", "supervision_closed"]


def test_only_the_supervised_unit_replies_to_an_order_on_a_unit(gov):
    order = gov.order(unit="hr")
    with pytest.raises(Forbidden):
        services.supervision_reply(order=order, actor=gov.personas["handler"], text=REPLY)
    services.supervision_reply(order=order, actor=gov.personas["other_handler"], text=REPLY)
    assert SupervisionOrder.objects.get(pk=order.pk).status == SupervisionOrder.Status.REPLIED


def test_reminders_once_before_the_due_date_and_once_when_overdue(gov):
    order = gov.order(due=TODAY + timedelta(days=2))
    later = gov.order(due=TODAY + timedelta(days=20))
    handler, officer = gov.personas["handler"], gov.personas["officer"]
    assert services.supervision_remind() == {"due_soon": 1, "overdue": 0}
    assert services.supervision_remind() == {"due_soon": 0, "overdue": 0}
    assert notified(handler, "supervision_due") == 1
    with clock_at(at("2026-10-15 09:00")):
        assert tasks.supervision_remind_periodic.call_local() == {"due_soon": 0, "overdue": 1}
        assert services.supervision_remind() == {"due_soon": 0, "overdue": 0}
    order.refresh_from_db()
    assert order.reminder_stage == 2 and order.overdue_at is not None
    assert notified(handler, "supervision_overdue") == 1 and notified(officer, "supervision_overdue") == 1
    event = CaseEvent.objects.get(case=order.case, action="supervision_overdue")
    assert event.actor is None
    assert SupervisionOrder.objects.get(pk=later.pk).reminder_stage == 0
    # A late reply is marked late.
    with clock_at(at("2026-10-16 09:00")):
        assert services.supervision_reply(order=order, actor=handler, text=REPLY).late


def test_escalation_lists_the_order_for_all_staff_who_may_see_it(gov):
    order = gov.order(gov.case())
    with pytest.raises(Forbidden):
        services.supervision_escalate(order=order, actor=gov.personas["handler"], reason="严重拖延")
    services.supervision_escalate(order=order, actor=gov.personas["leader"], reason="多次督办仍未落实")
    order.refresh_from_db()
    assert order.listed and order.listed_by == gov.personas["leader"]
    with pytest.raises(InvalidTransition):
        services.supervision_escalate(order=order, actor=gov.personas["officer"], reason="再次挂牌")
    assert CaseEvent.objects.filter(case=order.case, action="supervision_listed").count() == 1
    assert notified(gov.personas["handler"], "supervision_listed") == 1
    for name in ("registrar", "officer", "leader", "handler", "head"):
        assert list(supervision_listed(user=gov.personas[name])) == [order], name
    assert not supervision_listed(user=gov.personas["other_handler"]).exists()
    services.supervision_reply(order=order, actor=gov.personas["handler"], text=REPLY)
    services.supervision_review(order=order, actor=gov.personas["officer"], accept=True, note="")
    assert not supervision_listed(user=gov.personas["officer"]).exists()
    assert list(supervision_listed(user=gov.personas["officer"], include_closed=True)) == [order]
    closed = gov.order(gov.case())
    services.supervision_reply(order=closed, actor=gov.personas["handler"], text=REPLY)
    services.supervision_review(order=closed, actor=gov.personas["officer"], accept=True, note="")
    with pytest.raises(InvalidTransition):
        services.supervision_escalate(order=closed, actor=gov.personas["officer"], reason="办结后挂牌")


def test_orders_are_visible_through_the_case_gateway(gov):
    on_case = gov.order(gov.case())
    on_hr = gov.order(unit="hr")
    def seen(name):
        return set(supervision_orders_visible(user=gov.personas[name]))
    assert seen("officer") == seen("leader") == seen("registrar") == {on_case, on_hr}
    assert seen("handler") == {on_case} and seen("other_handler") == {on_hr}
    assert seen("system_admin") == set() and seen("audit_admin") == set()
