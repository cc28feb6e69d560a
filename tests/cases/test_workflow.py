"""The handling workflow through its services (xinfang/cases/services/handling.py and after_reply.py):
every allowed step with its event, deadlines, documents and notifications; every refused step — wrong
status (409), wrong person (403), bad input (400) — changing nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.cases.conftest import (
    PHONE,
    RE_REVIEW_TEXT,
    REPLY_TEXT,
    REVIEW_TEXT,
    STATES,
    T_ACCEPT,
    T_EXTEND,
    T_LATER,
    T_OBJECT,
    T_RE_REVIEW_DECIDE,
    T_RE_REVIEW_REQUEST,
    T_REPLY,
    T_REVIEW_DECIDE,
    T_REVIEW_REQUEST,
    T_ROUTE,
    case_snapshot,
    deadline,
    deadline_kinds,
    events_of,
    last_event,
)
from tests.conftest import at
from xinfang.accounts.models import User
from xinfang.accounts.services import user_create
from xinfang.cases.models import Case, CaseDeadline, CaseDocument, CaseEvent
from xinfang.cases.services import (
    case_accept,
    case_close_expired,
    case_extend,
    case_object,
    case_re_review_decide,
    case_re_review_request,
    case_refuse,
    case_reply,
    case_review_decide,
    case_review_request,
    case_route,
)
from xinfang.core.clock import clock_at
from xinfang.core.errors import Forbidden, InvalidTransition, ValidationFailed
from xinfang.core.models import AuditEntry
from xinfang.notifications.models import Notification, OutboxMessage

d = date.fromisoformat
S = Case.Status


def notified(case: Case, kind: str) -> list[str]:
    return sorted(Notification.objects.filter(case=case, kind=kind).values_list("user__username", flat=True))


def sms_bodies(case: Case) -> list[str]:
    return list(OutboxMessage.objects.filter(case=case, channel=OutboxMessage.Channel.SMS)
                .order_by("id").values_list("body", flat=True))


def document(case: Case, kind: str) -> CaseDocument:
    return CaseDocument.objects.get(case=case, kind=kind)


# --- Allowed steps --------------------------------------------------------------------------------------

def test_route_transfers_to_the_unit_and_starts_its_clocks(wf, personas, district):
    case = wf.register()
    assert deadline(case, "route_by").due_date == d("2026-06-16")

    wf.route(case)

    case.refresh_from_db()
    assert case.status == S.ROUTED
    assert case.handling_unit == district["housing"]
    assert case.route_mode == Case.RouteMode.TRANSFER
    assert case.routed_at == at(T_ROUTE)
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status) == ("routed", S.REGISTERED, S.ROUTED)
    assert (event.actor_id, event.actor_name) == (personas["officer"].pk, "officer")
    assert event.data == {"unit": "MH-FGJ", "mode": "transfer"}
    assert event.note == "请依法办理"
    assert deadline(case, "route_by").met_at == at(T_ROUTE)
    # Art. 23 ¶3: counted from the unit's receipt, Tue 06-02.
    accept_by, object_by = deadline(case, "accept_by"), deadline(case, "object_by")
    assert (accept_by.start_date, accept_by.due_date, accept_by.met_at) == (d("2026-06-02"), d("2026-06-17"), None)
    assert (object_by.start_date, object_by.due_date, object_by.counting) == (d("2026-06-02"), d("2026-06-09"),
                                                                               "working")
    assert deadline_kinds(case) == {"route_by", "accept_by", "object_by"}
    # The handling unit's handler and head are told; not its sub-unit, not other units, not the bureau.
    assert notified(case, "routed") == ["handler", "head"]
    assert Notification.objects.filter(case=case).count() == 2
    # Nothing is published to the petitioner yet.
    assert not CaseDocument.objects.filter(case=case).exists()
    assert sms_bodies(case) == []


def test_route_in_assign_mode_records_the_mode(wf):
    case = wf.route(wf.register(), mode=Case.RouteMode.ASSIGN)
    case.refresh_from_db()
    assert case.route_mode == Case.RouteMode.ASSIGN
    # 信访工作条例 Art. 22 (3): the time for the report of the result goes with the assignment
    # (tests/cases/test_report_deadline.py).
    assert last_event(case).data == {"unit": "MH-FGJ", "mode": "assign", "report_days": 75}


def test_route_information_forwards_and_closes(wf, district):
    # Art. 29: 反映情况 is recorded and forwarded; there is nothing to accept or decide.
    case = wf.route(wf.register(matter_type=Case.MatterType.INFORMATION))
    case.refresh_from_db()
    assert case.status == S.CLOSED
    assert (case.closed_reason, case.closed_at) == ("forwarded", at(T_ROUTE))
    assert case.handling_unit == district["housing"]
    assert events_of(case)[-1] == ("routed", S.REGISTERED, S.CLOSED, "officer")
    assert deadline(case, "route_by").met_at == at(T_ROUTE)
    assert deadline_kinds(case) == {"route_by"}
    assert notified(case, "routed") == ["handler", "head"]


def test_accept_issues_the_notice_and_starts_the_60_days(wf, personas):
    case = wf.route(wf.register())
    wf.accept(case)

    case.refresh_from_db()
    assert case.status == S.ACCEPTED
    assert case.accepted_at == at(T_ACCEPT)
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "accepted", S.ROUTED, S.ACCEPTED, personas["handler"].pk)
    assert deadline(case, "accept_by").met_at == at(T_ACCEPT)
    # The objection window no longer applies once the unit accepted.
    assert deadline(case, "object_by").cancelled is True
    assert deadline(case, "object_by").met_at is None
    # Art. 34: 60 days from Wed 06-03 end on Sun 08-02, a rest day: Mon 08-03.
    decide = deadline(case, "decide_by")
    assert (decide.start_date, decide.days, decide.due_date, decide.met_at) == (d("2026-06-03"), 60, d("2026-08-03"),
                                                                                None)
    notice = document(case, CaseDocument.Kind.ACCEPTANCE_NOTICE)
    assert notice.public is True
    assert notice.issued_at == at(T_ACCEPT)
    assert notice.created_by == personas["handler"]
    assert case.number in notice.title
    assert "区房管局" in notice.body and "2026-08-03" in notice.body
    # One SMS to the petitioner who left a phone number; the outbox holds no number.
    outbox = OutboxMessage.objects.get(case=case)
    assert outbox.channel == OutboxMessage.Channel.SMS
    assert outbox.petitioner.name == "张三"
    assert case.number in outbox.body and PHONE not in outbox.body
    assert outbox.status == OutboxMessage.Status.PENDING


def test_accept_queues_no_sms_for_a_petitioner_without_phone(wf):
    case = wf.accept(wf.route(wf.register(phone="")))
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED
    assert sms_bodies(case) == []


def test_unit_head_may_accept_too(wf, personas):
    case = wf.accept(wf.route(wf.register()), actor="head")
    assert last_event(case).actor_id == personas["head"].pk


def test_handler_of_a_parent_unit_that_sees_its_sub_units_may_accept(wf, personas, district):
    housing = district["housing"]
    case = wf.route(wf.register(), unit="housing_office")
    with pytest.raises(Forbidden):
        wf.accept(case)
    housing.scope_includes_children = True
    housing.save(update_fields=["scope_includes_children"])
    personas["handler"].unit.refresh_from_db()
    wf.accept(case)
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


def test_refuse_closes_with_the_notice_naming_the_legal_channel(wf, personas):
    case = wf.route(wf.register())
    wf.refuse(case, legal_channel="arbitration", reason="属于劳动争议，应当申请仲裁")

    case.refresh_from_db()
    assert case.status == S.REFUSED
    assert (case.refuse_reason, case.legal_channel) == ("属于劳动争议，应当申请仲裁", "arbitration")
    assert (case.closed_reason, case.closed_at) == ("refused", at(T_ACCEPT))
    assert not case.is_open
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "refused", S.ROUTED, S.REFUSED, personas["handler"].pk)
    assert event.data == {"legal_channel": "arbitration"}
    assert event.note == "属于劳动争议，应当申请仲裁"
    assert deadline(case, "accept_by").met_at == at(T_ACCEPT)
    assert deadline(case, "object_by").cancelled is True
    assert "decide_by" not in deadline_kinds(case)
    notice = document(case, CaseDocument.Kind.REFUSAL_NOTICE)
    assert notice.public and notice.issued_at == at(T_ACCEPT)
    # Art. 31: the petitioner is told in writing which channel to use.
    assert "仲裁" in notice.body and "属于劳动争议" in notice.body
    assert len(sms_bodies(case)) == 1


def test_refuse_without_a_channel_is_allowed_for_a_suggestion(wf):
    case = wf.route(wf.register(matter_type=Case.MatterType.SUGGESTION))
    wf.refuse(case, legal_channel="none")
    assert Case.objects.get(pk=case.pk).status == S.REFUSED


def test_object_sends_the_case_back_to_the_bureau(wf, personas):
    case = wf.route(wf.register())
    wf.object(case)

    case.refresh_from_db()
    assert case.status == S.OBJECTED
    assert case.handling_unit is None
    assert case.route_mode == ""
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "objected", S.ROUTED, S.OBJECTED, personas["handler"].pk)
    assert event.data == {"unit": "MH-FGJ"}
    assert deadline(case, "object_by").met_at == at(T_OBJECT)
    assert deadline(case, "accept_by").cancelled is True
    # Policy REROUTE_DAYS (15): from Thu 06-04 to Fri 06-19, the Dragon Boat Festival, rolled past the
    # weekend to Mon 06-22.
    route_by = deadline(case, "route_by")
    assert (route_by.start_date, route_by.days, route_by.due_date, route_by.met_at) == (
        d("2026-06-04"), 15, d("2026-06-22"), None)
    assert notified(case, "objected") == ["officer"]
    assert not CaseDocument.objects.filter(case=case).exists()


def test_objected_case_is_routed_again_with_fresh_clocks(wf, district):
    case = wf.object(wf.route(wf.register()))
    wf.route(case, "2026-06-05 10:00", unit="hr")

    case.refresh_from_db()
    assert case.status == S.ROUTED
    assert case.handling_unit == district["hr"]
    assert last_event(case).from_status == S.OBJECTED
    assert deadline(case, "route_by").met_at == at("2026-06-05 10:00")
    accept_by, object_by = deadline(case, "accept_by"), deadline(case, "object_by")
    assert (accept_by.start_date, accept_by.due_date, accept_by.cancelled, accept_by.met_at) == (
        d("2026-06-05"), d("2026-06-22"), False, None)  # Sat 06-20 rolled to Mon 06-22
    # Fri 06-05 + 5 working days: 06-08, 09, 10, 11, 12.
    assert (object_by.due_date, object_by.cancelled, object_by.met_at) == (d("2026-06-12"), False, None)
    assert notified(case, "routed") == ["handler", "head", "other"]
    # The new unit may now accept; the unit that objected may not.
    with pytest.raises(Forbidden):
        wf.accept(case, "2026-06-08 10:00")
    wf.accept(case, "2026-06-08 10:00", actor="other_handler")
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


def test_object_on_the_last_day_of_the_window(wf):
    case = wf.route(wf.register())
    wf.object(case, "2026-06-09 17:00")
    assert Case.objects.get(pk=case.pk).status == S.OBJECTED


def test_extend_once_by_the_unit_head(wf, personas):
    case = wf.accept(wf.route(wf.register()))
    wf.extend(case, days=30)

    case.refresh_from_db()
    assert case.status == S.ACCEPTED
    assert case.extension_days == 30
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "extended", S.ACCEPTED, S.ACCEPTED, personas["head"].pk)
    assert event.data == {"days": 30}
    # Art. 34: 60 + 30 days from Wed 06-03: Tue 09-01.
    decide = deadline(case, "decide_by")
    assert (decide.start_date, decide.days, decide.due_date, decide.met_at) == (d("2026-06-03"), 90, d("2026-09-01"),
                                                                                None)
    notice = document(case, CaseDocument.Kind.EXTENSION_NOTICE)
    assert notice.public and notice.issued_at == at(T_EXTEND) and notice.created_by == personas["head"]
    assert "2026-09-01" in notice.body and "需要现场勘查" in notice.body
    assert len(sms_bodies(case)) == 2  # accepted, extended


def test_extension_counts_on_from_the_nominal_end(wf):
    # Art. 34 counts the extension on from the 60th day (Sun 08-02), not from the rolled due date.
    case = wf.accept(wf.route(wf.register()))
    wf.extend(case, "2026-08-03 16:00", days=1)
    assert deadline(case, "decide_by").due_date == d("2026-08-03")  # 61 days: Mon 08-03 itself


def test_reply_to_a_claim_opens_the_review_window(wf, personas):
    case = wf.accept(wf.route(wf.register()))
    wf.reply(case, outcome=Case.Outcome.EXPLAIN)

    case.refresh_from_db()
    assert case.status == S.REPLIED
    assert (case.outcome, case.reply_text, case.replied_at) == (Case.Outcome.EXPLAIN, REPLY_TEXT, at(T_REPLY))
    assert case.closed_at is None and case.closed_reason == ""
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "replied", S.ACCEPTED, S.REPLIED, personas["handler"].pk)
    assert event.data == {"outcome": "explain"}
    assert deadline(case, "decide_by").met_at == at(T_REPLY)
    review = deadline(case, "review_request_by")
    assert (review.start_date, review.due_date, review.on_petitioner) == (d("2026-07-01"), d("2026-07-31"), True)
    opinion = document(case, CaseDocument.Kind.REPLY_OPINION)
    assert (opinion.body, opinion.public, opinion.issued_at) == (REPLY_TEXT, True, at(T_REPLY))
    assert len(sms_bodies(case)) == 2


@pytest.mark.parametrize("matter_type", [Case.MatterType.SUGGESTION, Case.MatterType.ACCUSATION])
def test_reply_closes_matters_that_have_no_review(wf, matter_type):
    # Art. 35 concerns the 处理意见 on claims; a suggestion or accusation closes with its answer.
    case = wf.reply(wf.accept(wf.route(wf.register(matter_type=matter_type))))
    case.refresh_from_db()
    assert case.status == S.CLOSED
    assert (case.closed_reason, case.closed_at, case.replied_at) == ("replied", at(T_REPLY), at(T_REPLY))
    assert events_of(case)[-1] == ("replied", S.ACCEPTED, S.CLOSED, "handler")
    assert deadline(case, "decide_by").met_at == at(T_REPLY)
    assert "review_request_by" not in deadline_kinds(case)
    assert document(case, CaseDocument.Kind.REPLY_OPINION).public


def test_review_request_by_the_petitioner(wf):
    case = wf.reply(wf.accept(wf.route(wf.register())))
    wf.review_request(case)

    case.refresh_from_db()
    assert case.status == S.REVIEW_REQUESTED
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status) == ("review_requested", S.REPLIED,
                                                                  S.REVIEW_REQUESTED)
    # The petitioner acts without an account: the log says so, not "the system".
    assert (event.actor_id, event.actor_name) == (None, "信访人")
    assert event.note == "电梯仍未修好，要求复查"
    assert deadline(case, "review_request_by").met_at == at(T_REVIEW_REQUEST)
    review = deadline(case, "review_decide_by")
    # Art. 35: 30 days from Fri 07-10 end on Sun 08-09: Mon 08-10.
    assert (review.start_date, review.due_date, review.on_petitioner, review.met_at) == (
        d("2026-07-10"), d("2026-08-10"), False, None)
    assert notified(case, "review_requested") == ["officer"]


def test_review_decision(wf, personas):
    case = wf.review_request(wf.reply(wf.accept(wf.route(wf.register()))))
    wf.review_decide(case)

    case.refresh_from_db()
    assert case.status == S.REVIEWED
    assert case.review_outcome == Case.ReviewOutcome.UPHOLD
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "review_decided", S.REVIEW_REQUESTED, S.REVIEWED, personas["officer"].pk)
    assert event.data == {"outcome": "uphold"}
    assert deadline(case, "review_decide_by").met_at == at(T_REVIEW_DECIDE)
    window = deadline(case, "re_review_request_by")
    assert (window.start_date, window.due_date, window.on_petitioner) == (d("2026-07-20"), d("2026-08-19"), True)
    opinion = document(case, CaseDocument.Kind.REVIEW_OPINION)
    assert (opinion.body, opinion.public, opinion.issued_at, opinion.created_by) == (
        REVIEW_TEXT, True, at(T_REVIEW_DECIDE), personas["officer"])
    assert notified(case, "review_decided") == ["handler", "head"]
    assert len(sms_bodies(case)) == 3  # accepted, replied, review opinion


def test_re_review_request_and_decision_close_the_matter_for_good(wf, personas):
    case = wf.review_decide(wf.review_request(wf.reply(wf.accept(wf.route(wf.register())))))
    wf.re_review_request(case)

    case.refresh_from_db()
    assert case.status == S.RE_REVIEW_REQUESTED
    assert events_of(case)[-1] == ("re_review_requested", S.REVIEWED, S.RE_REVIEW_REQUESTED, "信访人")
    assert deadline(case, "re_review_request_by").met_at == at(T_RE_REVIEW_REQUEST)
    decide = deadline(case, "re_review_decide_by")
    assert (decide.start_date, decide.due_date) == (d("2026-07-25"), d("2026-08-24"))
    assert notified(case, "re_review_requested") == ["officer"]

    wf.re_review_decide(case)
    case.refresh_from_db()
    assert case.status == S.CLOSED
    assert (case.re_review_outcome, case.closed_reason, case.closed_at) == (
        Case.ReviewOutcome.UPHOLD, "re_reviewed", at(T_RE_REVIEW_DECIDE))
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status, event.actor_id) == (
        "re_review_decided", S.RE_REVIEW_REQUESTED, S.CLOSED, personas["officer"].pk)
    assert deadline(case, "re_review_decide_by").met_at == at(T_RE_REVIEW_DECIDE)
    opinion = document(case, CaseDocument.Kind.RE_REVIEW_OPINION)
    assert (opinion.body, opinion.public, opinion.issued_at) == (RE_REVIEW_TEXT, True, at(T_RE_REVIEW_DECIDE))
    assert len(sms_bodies(case)) == 4


def test_full_claim_lifecycle_log(wf):
    case = wf.build("closed_re_reviewed")
    assert events_of(case) == [
        ("registered", "", S.REGISTERED, "registrar"),
        ("routed", S.REGISTERED, S.ROUTED, "officer"),
        ("accepted", S.ROUTED, S.ACCEPTED, "handler"),
        ("replied", S.ACCEPTED, S.REPLIED, "handler"),
        ("review_requested", S.REPLIED, S.REVIEW_REQUESTED, "信访人"),
        ("review_decided", S.REVIEW_REQUESTED, S.REVIEWED, "officer"),
        ("re_review_requested", S.REVIEWED, S.RE_REVIEW_REQUESTED, "信访人"),
        ("re_review_decided", S.RE_REVIEW_REQUESTED, S.CLOSED, "officer"),
    ]
    # Every deadline of the case was met, but the objection window, which lapsed with the acceptance.
    rows = CaseDeadline.objects.filter(case=case)
    assert rows.count() == 8
    assert list(rows.filter(met_at__isnull=True).values_list("kind", "cancelled")) == [("object_by", True)]
    assert not rows.filter(overdue_at__isnull=False).exists()
    # Every step is in the audit log too.
    actions = list(AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
                   .values_list("action", flat=True))
    assert actions == ["case.create", "case.routed", "case.accepted", "case.replied", "case.review_requested",
                       "case.review_decided", "case.re_review_requested", "case.re_review_decided"]


# --- Refused in the wrong status: 409, nothing changed --------------------------------------------------

# Each service with the persona who would do it and valid arguments, and the statuses it is allowed in.
ACTIONS: dict[str, tuple[Any, frozenset[str]]] = {
    "route": (lambda wf, case: case_route(case=case, unit=wf.district["hr"], mode=Case.RouteMode.TRANSFER,
                                          actor=wf.personas["officer"]),
              frozenset({S.REGISTERED, S.OBJECTED})),
    "accept": (lambda wf, case: case_accept(case=case, actor=wf.personas["handler"]), frozenset({S.ROUTED})),
    "refuse": (lambda wf, case: case_refuse(case=case, actor=wf.personas["handler"], reason="属于民事纠纷",
                                            legal_channel="litigation"), frozenset({S.ROUTED})),
    "object": (lambda wf, case: case_object(case=case, actor=wf.personas["handler"], reason="不属于本单位职责"),
               frozenset({S.ROUTED})),
    "extend": (lambda wf, case: case_extend(case=case, actor=wf.personas["head"], days=10, reason="需要现场勘查"),
               frozenset({S.ACCEPTED})),
    "reply": (lambda wf, case: case_reply(case=case, actor=wf.personas["handler"], outcome=Case.Outcome.SUPPORT,
                                          text=REPLY_TEXT), frozenset({S.ACCEPTED})),
    "review_request": (lambda wf, case: case_review_request(case=case, reason="对答复不服"), frozenset({S.REPLIED})),
    "review_decide": (lambda wf, case: case_review_decide(case=case, actor=wf.personas["officer"],
                                                          outcome=Case.ReviewOutcome.REVISE, text=REVIEW_TEXT),
                      frozenset({S.REVIEW_REQUESTED})),
    "re_review_request": (lambda wf, case: case_re_review_request(case=case, reason="对复查意见不服"),
                          frozenset({S.REVIEWED})),
    "re_review_decide": (lambda wf, case: case_re_review_decide(case=case, actor=wf.personas["officer"],
                                                                outcome=Case.ReviewOutcome.REVISE,
                                                                text=RE_REVIEW_TEXT),
                         frozenset({S.RE_REVIEW_REQUESTED})),
}
# Services that only the handling unit may use: where no unit handles the case (not yet routed, sent
# back, joined to another case) nobody passes the permission check, so they answer 403 before the
# status is looked at — the gateway would not even show such a case to a unit (404).
UNIT_ACTIONS = frozenset({"accept", "refuse", "object", "extend", "reply"})


def test_the_table_covers_every_status_and_action():
    assert {STATES[s] for s in STATES} == set(S.values)
    allowed_somewhere = set().union(*(allowed for _call, allowed in ACTIONS.values()))
    # Refused, linked and closed cases allow no step at all.
    assert set(S.values) - allowed_somewhere == {S.REFUSED, S.LINKED, S.CLOSED}


# Where (and when: some steps have a window) each action of the table is allowed.
ALLOWED_AT = {"route": ("objected", T_LATER), "accept": ("routed", T_LATER), "refuse": ("routed", T_LATER),
              "object": ("routed", T_OBJECT), "extend": ("accepted", T_EXTEND), "reply": ("accepted", T_LATER),
              "review_request": ("replied", T_REVIEW_REQUEST), "review_decide": ("review_requested", T_LATER),
              "re_review_request": ("reviewed", T_RE_REVIEW_REQUEST),
              "re_review_decide": ("re_review_requested", T_LATER)}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_of_the_table_succeeds_where_allowed(wf, action):
    """The calls of the table are valid: refused below for the status only."""
    state, when = ALLOWED_AT[action]
    call, allowed = ACTIONS[action]
    assert STATES[state] in allowed
    case = wf.build(state)
    events = CaseEvent.objects.filter(case=case).count()
    with clock_at(at(when)):
        call(wf, case)
    case.refresh_from_db()
    assert case.status != STATES[state] or action == "extend"
    assert CaseEvent.objects.filter(case=case).count() == events + 1


@pytest.mark.parametrize("state", list(STATES))
def test_only_the_allowed_steps_in_each_status(wf, state):
    """For a case in ``state``, every service not allowed in its status is refused — with 409 naming the
    status (403 for the unit's steps where no unit handles the case) — and writes nothing; the sweep
    ``case_close_expired``, long after every window, closes only a case waiting on the petitioner."""
    case = wf.build(state)
    case.refresh_from_db()
    assert case.status == STATES[state]
    wrong: list[str] = []
    before = case_snapshot(case)
    for action, (call, allowed) in ACTIONS.items():
        if case.status in allowed:
            continue
        expected = Forbidden if action in UNIT_ACTIONS and case.handling_unit_id is None else InvalidTransition
        try:
            with clock_at(at(T_LATER)):
                call(wf, case)
        except expected as exc:
            if expected is InvalidTransition and (
                    exc.status_code != 409 or exc.code != "invalid_state"
                    # Refused for its status (named in the message), not for some other reason.
                    or str(case.get_status_display()) not in str(exc.message)):
                wrong.append(f"{action}: {exc.status_code} {exc.code} {exc.message}")
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            wrong.append(f"{action}: {type(exc).__name__} {exc}")
        else:
            wrong.append(f"{action}: allowed")
        if case_snapshot(case) != before:
            wrong.append(f"{action}: wrote something")
            before = case_snapshot(case)
        case.refresh_from_db()
    assert wrong == []

    closed = case_close_expired(today=d("2027-01-01"))
    case.refresh_from_db()
    if STATES[state] in (S.REPLIED, S.REVIEWED):
        assert (closed, case.status) == (1, S.CLOSED)
    else:
        assert closed == 0
        assert case_snapshot(case) == before


def test_a_stale_copy_cannot_act_after_another_step(wf):
    """Two people on one case at once: the second acts on a copy read before the first step and gets a
    409 from the conditional update; nothing of the second step is written."""
    case = wf.route(wf.register())
    stale = Case.objects.get(pk=case.pk)
    wf.accept(case)
    before = case_snapshot(case)
    with clock_at(at(T_ACCEPT)), pytest.raises(InvalidTransition):
        case_refuse(case=stale, actor=wf.personas["handler"], reason="属于民事纠纷", legal_channel="litigation")
    assert case_snapshot(case) == before
    assert stale.status == S.ACCEPTED  # the copy learned the truth

    stale = Case.objects.get(pk=case.pk)
    other = Case.objects.get(pk=case.pk)
    wf.reply(stale)
    before = case_snapshot(case)
    with clock_at(at(T_REPLY)), pytest.raises(InvalidTransition):
        case_reply(case=other, actor=wf.personas["handler"], outcome=Case.Outcome.REJECT, text=REPLY_TEXT)
    assert case_snapshot(case) == before


def test_a_stale_copy_cannot_extend_a_second_time(wf):
    """Two heads approving an extension at once (信访工作条例 Art. 34: once, ≤ 30 days): the status does
    not change on an extension, so the one-extension rule must not rest on the caller's copy."""
    case = wf.accept(wf.route(wf.register()))
    first = Case.objects.get(pk=case.pk)
    second = Case.objects.get(pk=case.pk)
    wf.extend(first, days=30)
    before = case_snapshot(case)
    with clock_at(at(T_EXTEND)), pytest.raises(InvalidTransition):
        case_extend(case=second, actor=wf.personas["head"], days=30, reason="再次延期处理")
    assert case_snapshot(case) == before
    assert deadline(case, "decide_by").days == 90


# --- Refused for the person: 403, nothing changed -------------------------------------------------------

def refused(exc_type: type[Exception], case: Case, call: Any, when: str = T_LATER, *,
            audited: int = 0) -> Exception:
    """``call()`` raises ``exc_type`` and writes nothing about ``case`` (but ``audited`` audit rows for a
    denial that must stay on record); answers the exception."""
    case.refresh_from_db()
    before = case_snapshot(case)
    with clock_at(at(when)), pytest.raises(exc_type) as caught:
        call()
    after = case_snapshot(case)
    assert after["audit"] == before["audit"] + audited
    assert {**after, "audit": before["audit"]} == before
    return caught.value


def test_route_needs_the_bureau(wf):
    case = wf.register()
    for persona in ["registrar", "handler", "head", "leader", "system_admin", "audit_admin"]:
        error = refused(Forbidden, case, lambda persona=persona: wf.route(case, T_ROUTE, actor=persona))
        assert error.status_code == 403


@pytest.mark.parametrize("action", ["accept", "refuse", "object", "reply"])
def test_unit_steps_need_the_handling_unit(wf, action):
    """Only the handling unit's handler or head: not the bureau, not another unit, not a sub-unit of the
    handling unit."""
    case = wf.route(wf.register())
    if action == "reply":
        wf.accept(case)
    step = getattr(wf, action)
    for persona in ["officer", "registrar", "leader", "other_handler", "street_handler", "office_handler",
                    "system_admin"]:
        refused(Forbidden, case, lambda persona=persona: step(case, T_ACCEPT, actor=persona))


def test_extension_needs_the_head_of_the_handling_unit(wf, personas, district):
    # Art. 34: extended with the approval of the head of the handling unit.
    personas["hr_head"] = user_create(username="hr_head", role=User.Role.UNIT_HEAD, unit=district["hr"])
    case = wf.accept(wf.route(wf.register()))
    for persona in ["handler", "officer", "other_handler", "hr_head"]:
        refused(Forbidden, case, lambda persona=persona: wf.extend(case, T_EXTEND, actor=persona))


def test_review_decisions_need_the_permission(wf):
    review = wf.build("review_requested")
    re_review = wf.review_decide(wf.build("review_requested"))
    wf.re_review_request(re_review)
    for persona in ["handler", "head", "registrar", "leader", "other_handler"]:
        refused(Forbidden, review, lambda persona=persona: wf.review_decide(review, T_REVIEW_DECIDE, actor=persona))
        refused(Forbidden, re_review,
                lambda persona=persona: wf.re_review_decide(re_review, T_RE_REVIEW_DECIDE, actor=persona))


# --- Refused by the law's rules ------------------------------------------------------------------------

def test_extension_is_at_most_30_days(wf):
    # 信访工作条例 Art. 34: extended by no more than 30 days.
    case = wf.accept(wf.route(wf.register()))
    for days in [31, 0, -5, 90, True, "30"]:
        error = refused(ValidationFailed, case, lambda days=days: wf.extend(case, T_EXTEND, days=days))
        assert set(error.errors) == {"days"}


def test_extension_only_once(wf):
    # 信访工作条例 Art. 34: one extension.
    case = wf.extend(wf.accept(wf.route(wf.register())), days=10)
    error = refused(InvalidTransition, case, lambda: wf.extend(case, "2026-06-25 10:00", days=10))
    assert error.status_code == 409
    assert deadline(case, "decide_by").days == 70


def test_extension_needs_a_reason(wf):
    case = wf.accept(wf.route(wf.register()))
    with clock_at(at(T_EXTEND)):
        error = refused(ValidationFailed, case, lambda: case_extend(case=case, actor=wf.personas["head"], days=10,
                                                                   reason="  "), T_EXTEND)
    assert set(error.errors) == {"reason"}


def test_extension_after_the_deadline_passed_is_refused(wf):
    # decide_by is Mon 08-03; on Tue 08-04 it is too late to extend.
    case = wf.accept(wf.route(wf.register()))
    refused(InvalidTransition, case, lambda: wf.extend(case, "2026-08-04 09:00", days=10))


def test_objection_after_five_working_days_is_refused(wf):
    # 信访工作条例 Art. 23 ¶3: the window from Tue 06-02 closed on Tue 06-09.
    case = wf.route(wf.register())
    error = refused(InvalidTransition, case, lambda: wf.object(case, "2026-06-10 09:00"))
    assert "2026-06-09" in str(error.message)


def test_objection_needs_a_reason(wf):
    case = wf.route(wf.register())
    error = refused(ValidationFailed, case, lambda: case_object(case=case, actor=wf.personas["handler"],
                                                                reason="不是"), T_OBJECT)
    assert set(error.errors) == {"reason"}


@pytest.mark.parametrize(("legal_channel", "reason", "fields"), [
    ("none", "属于民事纠纷", {"legal_channel"}),       # Art. 31: a claim is told its channel
    ("", "属于民事纠纷", {"legal_channel"}),
    ("court", "属于民事纠纷", {"legal_channel"}),
    ("litigation", "不收", {"reason"}),
    ("", "", {"reason", "legal_channel"}),
])
def test_refusal_of_a_claim_needs_a_reason_and_a_legal_channel(wf, legal_channel, reason, fields):
    case = wf.route(wf.register())
    error = refused(ValidationFailed, case, lambda: wf.refuse(case, T_ACCEPT, legal_channel=legal_channel,
                                                              reason=reason))
    assert set(error.errors) == fields


@pytest.mark.parametrize(("outcome", "text", "fields"), [
    ("maybe", REPLY_TEXT, {"outcome"}),
    (Case.Outcome.SUPPORT, "已处理", {"text"}),
    ("", "", {"outcome", "text"}),
])
def test_reply_needs_an_outcome_and_a_reasoned_text(wf, outcome, text, fields):
    # Art. 32: the 处理意见书 states the facts, the reasons and the basis.
    case = wf.accept(wf.route(wf.register()))
    error = refused(ValidationFailed, case, lambda: case_reply(case=case, actor=wf.personas["handler"],
                                                               outcome=outcome, text=text), T_REPLY)
    assert set(error.errors) == fields


@pytest.mark.parametrize(("outcome", "text", "fields"), [
    ("reject", REVIEW_TEXT, {"outcome"}),
    (Case.ReviewOutcome.UPHOLD, "维持", {"text"}),
])
def test_review_decisions_need_an_outcome_and_a_text(wf, outcome, text, fields):
    case = wf.build("review_requested")
    error = refused(ValidationFailed, case, lambda: case_review_decide(case=case, actor=wf.personas["officer"],
                                                                       outcome=outcome, text=text))
    assert set(error.errors) == fields
    case = wf.build("re_review_requested")
    error = refused(ValidationFailed, case, lambda: case_re_review_decide(case=case, actor=wf.personas["officer"],
                                                                          outcome=outcome, text=text))
    assert set(error.errors) == fields


@pytest.mark.parametrize("unit", ["bureau", "gov_inactive_street"])
def test_route_to_the_bureau_or_an_inactive_unit_is_refused(wf, district, unit):
    if unit == "gov_inactive_street":
        district["street2"].active = False
        district["street2"].save(update_fields=["active"])
        unit = "street2"
    case = wf.register()
    error = refused(ValidationFailed, case, lambda: wf.route(case, T_ROUTE, unit=unit))
    assert set(error.errors) == {"unit"}


def test_route_needs_a_known_mode(wf):
    case = wf.register()
    error = refused(ValidationFailed, case, lambda: wf.route(case, T_ROUTE, mode="email"))
    assert set(error.errors) == {"mode"}


@pytest.mark.parametrize("target", ["housing", "housing_office"])
def test_accusation_is_never_routed_to_the_accused_unit_or_below_it(wf, district, personas, target):
    """信访工作条例 Art. 30 ¶3: the material is never passed to the unit accused, nor to a unit under it;
    the denial is audited (SECURITY.md 2)."""
    case = wf.register(matter_type=Case.MatterType.ACCUSATION, accused_units=[district["housing"]])
    denials = AuditEntry.objects.filter(action="case.route", result=AuditEntry.Result.DENIED)
    assert not denials.exists()
    with clock_at(at(T_ROUTE)), pytest.raises(ValidationFailed) as caught:
        wf.route(case, T_ROUTE, unit=target)
    assert set(caught.value.errors) == {"unit"}
    case.refresh_from_db()
    assert case.status == S.REGISTERED and case.handling_unit is None
    assert events_of(case) == [("registered", "", S.REGISTERED, "registrar")]
    assert deadline(case, "route_by").met_at is None
    assert not Notification.objects.filter(case=case).exists()
    # The refusal stays on record although the step was rolled back.
    denial = denials.get()
    assert (denial.username, denial.object_id) == ("officer", str(case.pk))
    assert denial.detail == {"unit": district[target].code, "reason": "accused_unit"}
    # The competent body (纪检监察) may receive it.
    wf.route(case, T_ROUTE, unit="discipline")
    assert Case.objects.get(pk=case.pk).handling_unit == district["discipline"]


def test_accused_person_named_with_a_unit_blocks_that_unit(wf, district):
    case = wf.register(matter_type=Case.MatterType.ACCUSATION,
                       accused_persons=[{"name": "李四", "position": "科长", "unit": district["housing_office"]}])
    refused(ValidationFailed, case, lambda: wf.route(case, T_ROUTE, unit="housing_office"), audited=1)
    # Its parent is not accused.
    wf.route(case, T_ROUTE, unit="housing")
    assert Case.objects.get(pk=case.pk).status == S.ROUTED


def test_accused_person_is_neither_told_nor_may_act(wf, personas):
    """An accusation naming a handler personally may go to the handler's unit, but the notification
    reaches only colleagues who may see it, never the accused (Art. 30 ¶3, Art. 46(5))."""
    case = wf.register(matter_type=Case.MatterType.ACCUSATION,
                       accused_persons=[{"name": "经办人", "user": personas["handler"]}])
    wf.route(case)
    assert notified(case, "routed") == ["head"]
    # Nor can the accused act on it; a colleague can.
    refused(Forbidden, case, lambda: wf.accept(case, T_ACCEPT))
    wf.accept(case, actor="head")
    refused(Forbidden, case, lambda: wf.reply(case, T_REPLY))
    assert Case.objects.get(pk=case.pk).status == S.ACCEPTED


def test_steps_near_midnight_count_from_the_local_day(wf):
    # 00:10 on Wed 06-03 in Shanghai is still Tue 06-02 in UTC: the 60 days start on 06-03.
    case = wf.accept(wf.route(wf.register()), "2026-06-03 00:10")
    assert (deadline(case, "decide_by").start_date, deadline(case, "decide_by").due_date) == (
        d("2026-06-03"), d("2026-08-03"))
    # Replied at 23:30 on Wed 07-01 (15:30 UTC, same day): the window starts on 07-01.
    wf.reply(case, "2026-07-01 23:30")
    assert deadline(case, "review_request_by").start_date == d("2026-07-01")


def test_rerouting_an_objected_accusation_keeps_the_rule(wf, district):
    case = wf.register(matter_type=Case.MatterType.ACCUSATION, accused_units=[district["hr"]])
    wf.object(wf.route(case, unit="discipline"), actor="discipline_handler")
    refused(ValidationFailed, case, lambda: wf.route(case, "2026-06-05 10:00", unit="hr"), audited=1)
    assert CaseEvent.objects.filter(case=case, action="routed").count() == 1


def test_review_request_after_the_30_days_is_refused(wf):
    # 信访工作条例 Art. 35: within 30 days of the reply of Wed 07-01, i.e. until Fri 07-31.
    case = wf.build("replied")
    error = refused(InvalidTransition, case, lambda: wf.review_request(case, "2026-08-01 00:05"))
    assert "2026-07-31" in str(error.message)
    wf.review_request(case, "2026-07-31 23:55")
    assert Case.objects.get(pk=case.pk).status == S.REVIEW_REQUESTED


def test_re_review_request_after_the_30_days_is_refused(wf):
    # 信访工作条例 Art. 36: within 30 days of the review opinion of Mon 07-20, i.e. until Wed 08-19.
    case = wf.build("reviewed")
    error = refused(InvalidTransition, case, lambda: wf.re_review_request(case, "2026-08-20 08:00"))
    assert "2026-08-19" in str(error.message)
    wf.re_review_request(case, "2026-08-19 18:00")
    assert Case.objects.get(pk=case.pk).status == S.RE_REVIEW_REQUESTED


def test_review_window_ending_on_a_holiday_runs_to_the_next_working_day(wf):
    # Replied Tue 09-01: day 30 is Thu 10-01, National Day; the holiday runs to Wed 10-07.
    case = wf.reply(wf.accept(wf.route(wf.register())), "2026-09-01 10:00")
    assert deadline(case, "review_request_by").due_date == d("2026-10-08")
    wf.review_request(case, "2026-10-08 16:00")
    assert Case.objects.get(pk=case.pk).status == S.REVIEW_REQUESTED


@pytest.mark.parametrize("request_step", ["review_request", "re_review_request"])
def test_requests_need_a_reason(wf, request_step):
    state = "replied" if request_step == "review_request" else "reviewed"
    call = case_review_request if request_step == "review_request" else case_re_review_request
    case = wf.build(state)
    error = refused(ValidationFailed, case, lambda: call(case=case, reason=" 不服 "), T_RE_REVIEW_REQUEST)
    assert set(error.errors) == {"reason"}


# --- Closing when the petitioner lets a window pass --------------------------------------------------------

def test_close_expired_after_the_review_window(wf):
    case = wf.build("replied")
    # The last day of the window (Fri 07-31) is still the petitioner's.
    assert case_close_expired(today=d("2026-07-31")) == 0
    assert Case.objects.get(pk=case.pk).status == S.REPLIED

    with clock_at(at("2026-08-01 00:10")):
        assert case_close_expired() == 1
    case.refresh_from_db()
    assert case.status == S.CLOSED
    assert (case.closed_reason, case.closed_at) == ("no_review_requested", at("2026-08-01 00:10"))
    event = last_event(case)
    assert (event.action, event.from_status, event.to_status) == ("closed", S.REPLIED, S.CLOSED)
    assert (event.actor_id, event.actor_name) == (None, "系统")
    assert event.data == {"reason": "no_review_requested"}
    window = deadline(case, "review_request_by")
    assert (window.cancelled, window.met_at) == (True, None)

    # Idempotent; and the petitioner can no longer ask.
    assert case_close_expired(today=d("2026-08-02")) == 0
    assert CaseEvent.objects.filter(case=case, action="closed").count() == 1
    refused(InvalidTransition, case, lambda: wf.review_request(case, "2026-08-02 09:00"))


def test_close_expired_after_the_re_review_window(wf):
    case = wf.build("reviewed")
    assert case_close_expired(today=d("2026-08-19")) == 0
    assert case_close_expired(today=d("2026-08-20")) == 1
    case.refresh_from_db()
    assert (case.status, case.closed_reason) == (S.CLOSED, "no_re_review_requested")
    assert events_of(case)[-1] == ("closed", S.REVIEWED, S.CLOSED, "系统")
    assert deadline(case, "re_review_request_by").cancelled is True


def test_close_expired_leaves_a_case_whose_petitioner_asked_in_time(wf):
    case = wf.build("review_requested")
    assert case_close_expired(today=d("2026-12-31")) == 0
    assert Case.objects.get(pk=case.pk).status == S.REVIEW_REQUESTED
