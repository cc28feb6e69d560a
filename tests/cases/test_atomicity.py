"""One step, one transaction (SECURITY.md 10; AGENTS.md "one service per state change"): when a late part
of a service fails — a notification, the SMS queue, a deadline, a document, the audit row — nothing of
the step is left behind."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from tests.cases.conftest import (
    T_EXTEND,
    T_LATER,
    T_OBJECT,
    T_RE_REVIEW_REQUEST,
    T_REVIEW_REQUEST,
    case_snapshot,
)
from tests.conftest import at
from xinfang.cases.models import Case, CaseNumberSequence, CasePetitioner, Petitioner
from xinfang.cases.services import (
    case_accept,
    case_close_expired,
    case_extend,
    case_object,
    case_rate,
    case_re_review_decide,
    case_re_review_request,
    case_refuse,
    case_reply,
    case_review_decide,
    case_review_request,
    case_route,
)
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry

HANDLING = "xinfang.cases.services.handling"
AFTER = "xinfang.cases.services.after_reply"
EVENTS = "xinfang.cases.services.events"


class Boom(Exception):
    pass


WHEN = {"routed": T_OBJECT, "accepted": T_EXTEND, "replied": T_REVIEW_REQUEST, "reviewed": T_RE_REVIEW_REQUEST}
STEPS: list[tuple[str, str, str, Any]] = [
    # (state, the step, the function made to fail, the call) — the failing function runs after the status
    # change, the event and (mostly) the deadlines were written.
    ("registered", "route", f"{HANDLING}.notify_unit",
     lambda wf, case: case_route(case=case, unit=wf.district["housing"], mode="transfer", actor=wf.personas["officer"])),
    ("registered", "route", f"{HANDLING}.deadline_open",
     lambda wf, case: case_route(case=case, unit=wf.district["housing"], mode="assign", actor=wf.personas["officer"])),
    ("registered", "route", f"{EVENTS}.audit_record",
     lambda wf, case: case_route(case=case, unit=wf.district["housing"], mode="assign", actor=wf.personas["officer"])),
    ("routed", "accept", f"{HANDLING}.outbox_enqueue_for_petitioners",
     lambda wf, case: case_accept(case=case, actor=wf.personas["handler"])),
    ("routed", "accept", f"{HANDLING}.deadline_open",
     lambda wf, case: case_accept(case=case, actor=wf.personas["handler"])),
    ("routed", "accept", f"{HANDLING}.CaseDocument.objects.create",
     lambda wf, case: case_accept(case=case, actor=wf.personas["handler"])),
    ("routed", "refuse", f"{HANDLING}.outbox_enqueue_for_petitioners",
     lambda wf, case: case_refuse(case=case, actor=wf.personas["handler"], reason="属于民事纠纷",
                                  legal_channel="litigation")),
    ("routed", "object", f"{HANDLING}.notify_bureau",
     lambda wf, case: case_object(case=case, actor=wf.personas["handler"], reason="不属于本单位职责")),
    ("accepted", "extend", f"{HANDLING}.outbox_enqueue_for_petitioners",
     lambda wf, case: case_extend(case=case, actor=wf.personas["head"], days=30, reason="需要现场勘查")),
    ("accepted", "reply", f"{HANDLING}.outbox_enqueue_for_petitioners",
     lambda wf, case: case_reply(case=case, actor=wf.personas["handler"], outcome="support",
                                 text="经核查，已督促物业于十日内修复电梯。")),
    ("replied", "review_request", f"{AFTER}.notify_bureau",
     lambda wf, case: case_review_request(case=case, reason="电梯仍未修好")),
    ("review_requested", "review_decide", f"{AFTER}.outbox_enqueue_for_petitioners",
     lambda wf, case: case_review_decide(case=case, actor=wf.personas["officer"], outcome="uphold",
                                         text="维持原处理意见，督促落实。")),
    ("reviewed", "re_review_request", f"{AFTER}.notify_bureau",
     lambda wf, case: case_re_review_request(case=case, reason="仍不满意复查意见")),
    ("re_review_requested", "re_review_decide", f"{AFTER}.outbox_enqueue_for_petitioners",
     lambda wf, case: case_re_review_decide(case=case, actor=wf.personas["officer"], outcome="uphold",
                                            text="维持复查意见，本事项终结。")),
    ("replied", "rate", f"{AFTER}.notify_bureau",
     lambda wf, case: case_rate(case=case, rating="dissatisfied")),
    ("replied", "close_expired", f"{AFTER}.deadline_cancel",
     lambda wf, case: case_close_expired(today=at("2026-12-01 00:00").date())),
]


@pytest.mark.parametrize(("state", "step", "target", "call"), STEPS,
                         ids=[f"{step}-{target.rsplit('.', 1)[-1]}" for _s, step, target, _c in STEPS])
def test_a_failing_late_part_leaves_nothing_of_the_step(wf, state, step, target, call):
    case = wf.build(state)
    case.refresh_from_db()
    before = case_snapshot(case)
    # Some steps are allowed only while a window is open (objection, extension, review requests).
    when = WHEN.get(state, T_LATER)
    with clock_at(at(when)), mock.patch(target, side_effect=Boom("late failure")) as failing:
        with pytest.raises(Boom):
            call(wf, case)
    assert failing.called
    assert case_snapshot(case) == before
    # And the same step succeeds once the failure is gone.
    case = Case.objects.get(pk=case.pk)
    with clock_at(at(when)):
        call(wf, case)
    assert case_snapshot(case) != before


def register_snapshot() -> dict[str, Any]:
    return {
        "cases": list(Case.objects.values_list("id", "status")),
        "petitioners": Petitioner.objects.count(),
        "links": CasePetitioner.objects.count(),
        "sequence": list(CaseNumberSequence.objects.values_list("year", "last")),
        "audit": AuditEntry.objects.count(),
    }


@pytest.mark.parametrize("target", ["xinfang.cases.services.registration.deadline_open",
                                    "xinfang.cases.services.registration.audit_record"])
def test_a_failing_registration_leaves_no_case_number_or_person(wf, target):
    wf.register()  # the sequence row exists: a failure must not advance it either
    before = register_snapshot()
    with mock.patch(target, side_effect=Boom("late failure")), pytest.raises(Boom):
        wf.register("2026-06-02 09:00", id_number="", name="王五", phone="13900001111")
    assert register_snapshot() == before
    # The number that was not used is the next one given.
    assert wf.register("2026-06-02 10:00").number == "XF-2026-000002"


def test_a_failing_linked_registration_leaves_the_open_case_untouched(wf):
    original = wf.route(wf.register())
    before = case_snapshot(original)
    with mock.patch("xinfang.cases.services.registration.audit_record", side_effect=Boom("late failure")), \
            pytest.raises(Boom):
        wf.register("2026-06-05 09:00", repeat_of=original)
    # No linked case, and no "repeat_received" note on the open one.
    assert case_snapshot(original) == before
