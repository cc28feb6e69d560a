"""The feedback deadline of an assigned matter (交办, 信访工作条例 Art. 22 (3)): the bureau sets the time
within which the unit reports the result (办结报告); ``report_by`` opens with the assignment and is met by
the unit's reply (or refusal), follows an extension, ends with an objection, and is overdue like any duty."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import (
    REPLY_TEXT,
    T_ACCEPT,
    T_EXTEND,
    T_LATER,
    T_OBJECT,
    T_REPLY,
    T_ROUTE,
    case_snapshot,
    deadline,
    deadline_kinds,
)
from tests.conftest import at
from xinfang.cases.models import Case, CaseEvent
from xinfang.cases.selectors_inbox import inbox_counts, inbox_queue_cases
from xinfang.cases.services import case_route
from xinfang.core.clock import clock_at
from xinfang.core.errors import ValidationFailed
from xinfang.deadlines.rules import REPORT_DEFAULT_DAYS, REPORT_MAX_DAYS, RULES
from xinfang.deadlines.services import deadlines_mark_overdue
from xinfang.notifications.models import Notification

d = date.fromisoformat
ASSIGN = Case.RouteMode.ASSIGN


def assign(wf: Any, case: Case, *, report_days: int | None = None, when: str = T_ROUTE) -> Case:
    with clock_at(at(when)):
        return case_route(case=case, unit=wf.district["housing"], mode=ASSIGN, actor=wf.personas["officer"],
                          note="请限期办结并报告结果", report_days=report_days)


def test_the_rule_is_a_duty_of_the_unit():
    rule = RULES["report_by"]
    assert (rule.days, rule.lapses, rule.on_petitioner) == (REPORT_DEFAULT_DAYS, False, False)
    assert "第二十二条" in str(rule.article)


def test_assigning_opens_the_report_deadline_with_the_default_time(wf):
    case = assign(wf, wf.register())
    report = deadline(case, "report_by")
    # Tue 06-02 + 75 days = Sun 08-16, rolled to Mon 08-17.
    assert (report.start_date, report.days, report.due_date, report.met_at) == (d("2026-06-02"), 75,
                                                                                 d("2026-08-17"), None)
    assert CaseEvent.objects.filter(case=case, action="routed").get().data["report_days"] == 75


def test_the_officer_sets_the_time(wf):
    case = assign(wf, wf.register(), report_days=20)
    report = deadline(case, "report_by")
    assert (report.days, report.due_date) == (20, d("2026-06-22"))


def test_a_transfer_has_no_report_deadline(wf):
    case = wf.route(wf.register())
    assert "report_by" not in deadline_kinds(case)


def test_an_assigned_information_matter_is_closed_with_no_report(wf):
    case = assign(wf, wf.register(matter_type=Case.MatterType.INFORMATION))
    assert case.status == Case.Status.CLOSED
    assert "report_by" not in deadline_kinds(case)


@pytest.mark.parametrize(("mode", "report_days"), [
    (Case.RouteMode.TRANSFER, 30), (ASSIGN, 0), (ASSIGN, -5), (ASSIGN, REPORT_MAX_DAYS + 1), (ASSIGN, True),
])
def test_a_bad_report_time_is_refused_and_writes_nothing(wf, mode, report_days):
    case = wf.register()
    before = case_snapshot(case)
    with clock_at(at(T_ROUTE)), pytest.raises(ValidationFailed) as caught:
        case_route(case=case, unit=wf.district["housing"], mode=mode, actor=wf.personas["officer"],
                   report_days=report_days)
    assert list(caught.value.errors) == ["report_days"]
    assert case_snapshot(case) == before


def test_the_reply_is_the_report(wf):
    case = wf.accept(assign(wf, wf.register()))
    assert deadline(case, "report_by").met_at is None  # accepting is not the result
    wf.reply(case)
    assert deadline(case, "report_by").met_at == at(T_REPLY)


def test_a_refusal_is_the_report_too(wf):
    case = wf.refuse(assign(wf, wf.register()))
    assert deadline(case, "report_by").met_at == at(T_ACCEPT)


def test_an_extension_lengthens_the_report_time_as_well(wf):
    case = wf.accept(assign(wf, wf.register()))
    wf.extend(case, T_EXTEND, days=30)
    report = deadline(case, "report_by")
    # 06-02 + 105 days = Tue 09-15.
    assert (report.days, report.due_date) == (105, d("2026-09-15"))


def test_an_objection_ends_it_and_a_reassignment_restarts_it(wf):
    case = wf.object(assign(wf, wf.register()))
    report = deadline(case, "report_by")
    assert (report.cancelled, report.met_at) == (True, None)
    again = assign(wf, case, report_days=30, when="2026-06-05 10:00")
    report = deadline(again, "report_by")
    assert (report.cancelled, report.start_date, report.due_date) == (False, d("2026-06-05"), d("2026-07-06"))


def test_a_transfer_after_an_objection_leaves_no_report_running(wf):
    case = wf.object(assign(wf, wf.register()), T_OBJECT)
    wf.route(case, "2026-06-05 10:00")
    assert deadline(case, "report_by").cancelled is True


def test_a_late_report_is_overdue_for_the_unit_and_the_bureau(wf):
    case = wf.accept(assign(wf, wf.register(), report_days=10))   # due Fri 06-12
    with clock_at(at("2026-06-15 09:00")):
        assert deadlines_mark_overdue() == 1
        unit_counts = inbox_counts(user=wf.personas["handler"])
        bureau_counts = inbox_counts(user=wf.personas["officer"])
        in_unit_queue = list(inbox_queue_cases(user=wf.personas["handler"], key="overdue").values_list("pk", flat=True))
    assert deadline(case, "report_by").overdue_at is not None
    overdue = CaseEvent.objects.get(case=case, action="deadline_overdue")
    assert overdue.data == {"kind": "report_by", "due_date": "2026-06-12"}
    assert Notification.objects.filter(case=case, kind="overdue").exists()
    assert (unit_counts["overdue"], bureau_counts["overdue"], in_unit_queue) == (1, 1, [case.pk])


def test_the_report_deadline_due_soon_in_the_unit_inbox(wf):
    case = wf.accept(assign(wf, wf.register(), report_days=10))   # due Fri 06-12; decide_by is in August
    with clock_at(at("2026-06-10 09:00")):
        due_soon = list(inbox_queue_cases(user=wf.personas["handler"], key="due_soon").values_list("pk", flat=True))
    assert due_soon == [case.pk]


def test_the_case_page_shows_it_and_the_route_form_sets_it(wf):
    officer = Client()
    officer.force_login(wf.personas["officer"])
    case = wf.register()
    with clock_at(at(T_ROUTE)):
        form = officer.get(f"/cases/{case.pk}/").content.decode()
        assert 'name="route-report_days"' in form
        bad = officer.post(f"/cases/{case.pk}/route/", {"route-unit": wf.district["housing"].pk,
                                                       "route-mode": "transfer", "route-report_days": "30"})
        assert bad.status_code == 400 and "只有交办需要设定反馈期限" in bad.content.decode()
        assert "report_by" not in deadline_kinds(case)
        ok = officer.post(f"/cases/{case.pk}/route/", {"route-unit": wf.district["housing"].pk,
                                                      "route-mode": "assign", "route-report_days": "30"})
        assert ok.status_code == 302
    assert deadline(case, "report_by").due_date == d("2026-07-02")
    handler = Client()
    handler.force_login(wf.personas["handler"])
    with clock_at(at(T_LATER)):
        page = handler.get(f"/cases/{case.pk}/").content.decode()
    assert "交办反馈期限" in page and "2026-07-02" in page


def test_the_api_route_takes_the_report_time(wf, api):
    case = wf.register()
    url = f"/api/v1/cases/{case.pk}/route/"
    with clock_at(at(T_ROUTE)):
        bad = api("officer").post(url, {"unit": "MH-FGJ", "mode": "assign", "report_days": 500}, format="json")
        assert bad.status_code == 400 and "report_days" in bad.json()["errors"]
        ok = api("officer").post(url, {"unit": "MH-FGJ", "mode": "assign", "report_days": 20}, format="json")
    assert ok.status_code == 200
    assert ok.json()["deadlines"]["report_by"] == {"date": "2026-06-22", "provisional": False}
    # The reply closes it through the API as well.
    case.refresh_from_db()
    wf.accept(case)
    with clock_at(at(T_REPLY)):
        replied = api("handler").post(f"/api/v1/cases/{case.pk}/reply/",
                                      {"outcome": "support", "text": REPLY_TEXT}, format="json")
    assert replied.status_code == 200
    assert deadline(case, "report_by").met_at == at(T_REPLY)
