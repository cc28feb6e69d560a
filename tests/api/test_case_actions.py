"""POST /api/v1/cases/{id}/<action>/: each workflow action through the API — its answer, what it writes,
the 409 for a status that does not allow it and the 403 for a role that may not do it, both writing
nothing."""

from __future__ import annotations

import pytest

from tests.api.builders import PATH, assert_error, check_each, db_counts
from xinfang.cases.models import Case, CaseDeadline, CaseEvent
from xinfang.core.models import AuditEntry


def _post(client, case, action, body=None):
    return client.post(f"/api/v1/cases/{case.pk}/{action}/", body or {}, format="json")


def _last_event(case):
    return CaseEvent.objects.filter(case=case).order_by("-id").first()


def test_route(api, flow):
    case, _ = flow.register()

    response = _post(api("officer"), case, "route", {"unit": "MH-FGJ", "mode": "assign", "note": "请核实"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == case.pk and body["status"] == "routed" and body["route_mode"] == "assign"
    assert body["handling_unit"] == {"code": "MH-FGJ", "name": "区房管局"}
    # Art. 23 ¶3: 15 days to accept (10-27), 5 working days to object (10-19).
    assert body["deadlines"]["accept_by"] == {"date": "2026-10-27", "provisional": False}
    assert body["deadlines"]["object_by"] == {"date": "2026-10-19", "provisional": False}
    assert body["events"][-1]["action"] == "routed" and body["events"][-1]["note"] == "请核实"
    case.refresh_from_db()
    assert case.status == "routed" and case.handling_unit.code == "MH-FGJ"
    assert CaseDeadline.objects.get(case=case, kind="route_by").met_at is not None


def test_route_information_closes_it(api, flow):
    case, _ = flow.register(matter_type=Case.MatterType.INFORMATION, title="反映路灯不亮")
    body = _post(api("officer"), case, "route", {"unit": "MH-JCL", "mode": "transfer"}).json()
    assert body["status"] == "closed" and body["closed_reason"] == "forwarded"
    assert body["deadlines"]["accept_by"] is None


def test_accept(api, flow):
    case, _ = flow.case_at("routed")

    response = _post(api("handler"), case, "accept", {"note": "已受理"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["deadlines"]["decide_by"] == {"date": "2026-12-11", "provisional": False}
    assert body["deadlines"]["object_by"] is None
    assert [d["kind"] for d in body["documents"]] == ["acceptance_notice"]
    event = _last_event(case)
    assert (event.action, event.actor.username, event.from_status, event.to_status) == (
        "accepted", "handler", "routed", "accepted")


def test_accept_without_body(api, flow):
    case, _ = flow.case_at("routed")
    response = api("handler").post(f"/api/v1/cases/{case.pk}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"


def test_refuse(api, flow):
    case, _ = flow.case_at("routed")

    response = _post(api("handler"), case, "refuse", {"reason": "已进入诉讼程序", "legal_channel": "litigation"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["legal_channel"], body["refuse_reason"]) == ("refused", "litigation", "已进入诉讼程序")
    assert body["closed_reason"] == "refused"
    assert [d["kind"] for d in body["documents"]] == ["refusal_notice"]


def test_object_answers_200_although_the_case_leaves_the_units_scope(api, flow):
    case, _ = flow.case_at("routed")
    before = CaseEvent.objects.filter(case=case).count()

    response = _post(api("handler"), case, "object", {"reason": "不属于本单位职权范围"})

    # The objection succeeded: it must not answer 404 because the unit can no longer see the case.
    assert response.status_code == 200, response.content
    assert response.json() == {"id": case.pk, "number": case.number, "status": "objected", "in_scope": False}
    case.refresh_from_db()
    assert case.status == "objected" and case.handling_unit is None
    assert CaseEvent.objects.filter(case=case).count() == before + 1
    # The bureau sees it again, with a fresh routing deadline (REROUTE_DAYS from the objection).
    detail = api("officer").get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["status"] == "objected" and detail["deadlines"]["route_by"]["date"] == "2026-10-27"
    assert detail["deadlines"]["accept_by"] is None


def test_extend(api, flow):
    case, _ = flow.case_at("accepted")

    response = _post(api("head"), case, "extend", {"days": 30, "reason": "需要现场勘查"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["extension_days"] == 30
    # 60 + 30 days from 2026-10-12.
    assert body["deadlines"]["decide_by"] == {"date": "2027-01-11", "provisional": True}
    assert "extension_notice" in [d["kind"] for d in body["documents"]]


def test_reply_claim_opens_review_window(api, flow):
    case, _ = flow.case_at("accepted")

    response = _post(api("handler"), case, "reply", {"outcome": "explain", "text": "经核查，电梯维修已列入计划。"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["outcome"]) == ("replied", "explain")
    assert body["reply_text"] == "经核查，电梯维修已列入计划。"
    assert body["deadlines"]["review_request_by"] == {"date": "2026-11-11", "provisional": False}
    assert body["deadlines"]["decide_by"] is not None


def test_reply_suggestion_closes_it(api, flow):
    case, _ = flow.case_at("accepted", matter_type=Case.MatterType.SUGGESTION, title="建议增设公交站点")
    body = _post(api("handler"), case, "reply", {"outcome": "support", "text": "采纳建议，已列入明年计划。"}).json()
    assert (body["status"], body["closed_reason"]) == ("closed", "replied")
    assert body["deadlines"]["review_request_by"] is None


def test_review_decide(api, flow):
    case, _ = flow.case_at("review_requested")

    response = _post(api("officer"), case, "review/decide", {"outcome": "revise", "text": "变更原处理意见，限期修复。"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["review_outcome"]) == ("reviewed", "revise")
    assert body["deadlines"]["re_review_request_by"] == {"date": "2026-11-11", "provisional": False}
    assert "review_opinion" in [d["kind"] for d in body["documents"]]


def test_re_review_decide(api, flow):
    case, _ = flow.case_at("re_review_requested")

    response = _post(api("officer"), case, "re-review/decide", {"outcome": "uphold", "text": "维持复查意见，本事项终结。"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["re_review_outcome"], body["closed_reason"]) == ("closed", "uphold", "re_reviewed")
    assert body["events"][-1]["action"] == "re_review_decided"


def test_whole_lifecycle_through_the_api(api, categories):
    from tests.api.builders import registration_body

    created = api("registrar").post("/api/v1/cases/", registration_body(), format="json").json()
    url = f"/api/v1/cases/{created['id']}"
    steps = [
        ("officer", "route", {"unit": "MH-FGJ", "mode": "transfer"}, "routed"),
        ("handler", "accept", {}, "accepted"),
        ("head", "extend", {"days": 10, "reason": "需要现场勘查"}, "accepted"),
        ("handler", "reply", {"outcome": "support", "text": "经核查，已督促物业于十日内修复电梯。"}, "replied"),
    ]
    for persona, action, body, status in steps:
        response = api(persona).post(f"{url}/{action}/", body, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    detail = api("officer").get(f"{url}/").json()
    assert [e["action"] for e in detail["events"]] == ["registered", "routed", "accepted", "extended", "replied"]
    assert [e["actor"] for e in detail["events"]] == ["registrar", "officer", "handler", "head", "handler"]


# --- 409: not allowed in the current status ---------------------------------------------------------

ROUTE = ("officer", "route", {"unit": "MH-FGJ", "mode": "transfer"})
ACCEPT = ("handler", "accept", {})
REFUSE = ("handler", "refuse", {"reason": "已进入诉讼程序", "legal_channel": "litigation"})
OBJECT = ("handler", "object", {"reason": "不属于本单位职权范围"})
EXTEND = ("head", "extend", {"days": 10, "reason": "需要现场勘查"})
REPLY = ("handler", "reply", {"outcome": "support", "text": "经核查，已督促物业于十日内修复电梯。"})
REVIEW = ("officer", "review/decide", {"outcome": "uphold", "text": "维持原处理意见，督促落实。"})
RE_REVIEW = ("officer", "re-review/decide", {"outcome": "uphold", "text": "维持复查意见，本事项终结。"})

CONFLICTS = {
    "route a routed case": ("routed", ROUTE),
    "route an accepted case": ("accepted", ROUTE),
    "accept an accepted case": ("accepted", ACCEPT),
    "accept a replied case": ("replied", ACCEPT),
    "refuse an accepted case": ("accepted", REFUSE),
    "object to an accepted case": ("accepted", OBJECT),
    "extend a routed case": ("routed", EXTEND),
    "reply to a routed case": ("routed", REPLY),
    "reply twice": ("replied", REPLY),
    "review decide on a replied case": ("replied", REVIEW),
    "review decide twice": ("reviewed", REVIEW),
    "re-review decide on a reviewed case": ("reviewed", RE_REVIEW),
    "re-review decide on a review request": ("review_requested", RE_REVIEW),
    "route a closed case": ("closed", ROUTE),
}


@pytest.fixture
def case_in(flow):
    """One case in each status of the main path (refused requests change nothing, so tests share them)."""
    return {status: flow.case_at(status)[0] for status in PATH}


def _unchanged(case_in):
    return db_counts(), {c.pk: (c.status, c.updated_at) for c in Case.objects.all()}


def test_action_not_allowed_in_status_is_409_and_writes_nothing(api, case_in):
    before = _unchanged(case_in)

    def check(status, persona, name, body):
        def run():
            payload = assert_error(_post(api(persona), case_in[status], name, body), 409)
            assert payload["code"] == "invalid_state"
            assert str(Case.Status(status).label) in payload["message"]  # the message names the status
        return run

    check_each({label: check(status, *action) for label, (status, action) in CONFLICTS.items()})
    assert _unchanged(case_in) == before


def test_extend_only_once(api, flow):
    case, _ = flow.case_at("accepted")
    assert _post(api("head"), case, "extend", {"days": 10, "reason": "需要现场勘查"}).status_code == 200
    before = db_counts()
    assert_error(_post(api("head"), case, "extend", {"days": 5, "reason": "再次延期"}), 409)
    assert db_counts() == before
    assert Case.objects.get(pk=case.pk).extension_days == 10


# --- 403: the caller sees the case but may not do this ----------------------------------------------

FORBIDDEN = {
    "registrar routes": ("registered", "registrar", ROUTE),
    "leader routes": ("registered", "leader", ROUTE),
    "officer accepts": ("routed", "officer", ACCEPT),
    "leader refuses": ("routed", "leader", REFUSE),
    "officer objects": ("routed", "officer", OBJECT),
    "handler extends": ("accepted", "handler", EXTEND),
    "officer replies": ("accepted", "officer", REPLY),
    "handler decides review": ("review_requested", "handler", REVIEW),
    "head decides re-review": ("re_review_requested", "head", RE_REVIEW),
    "registrar decides review": ("review_requested", "registrar", REVIEW),
}


def test_action_by_wrong_role_is_403_and_writes_nothing(api, case_in):
    before = _unchanged(case_in)

    def check(status, persona, name, body):
        def run():
            payload = assert_error(_post(api(persona), case_in[status], name, body), 403)
            assert payload["code"] == "forbidden"
        return run

    check_each({label: check(status, persona, action[1], action[2])
                for label, (status, persona, action) in FORBIDDEN.items()})
    assert _unchanged(case_in) == before


# --- 400: bad input to an action ----------------------------------------------------------------------

BAD_ACTIONS = {
    "route without unit": ("registered", "officer", "route", {"mode": "transfer"}, "unit"),
    "route unknown unit": ("registered", "officer", "route", {"unit": "MH-NOPE", "mode": "transfer"}, "unit"),
    "route to the bureau": ("registered", "officer", "route", {"unit": "MH-XFB", "mode": "transfer"}, "unit"),
    "route unknown mode": ("registered", "officer", "route", {"unit": "MH-FGJ", "mode": "fax"}, "mode"),
    "refuse without reason": ("routed", "handler", "refuse", {"legal_channel": "litigation"}, "reason"),
    "refuse short reason": ("routed", "handler", "refuse", {"reason": "不", "legal_channel": "litigation"}, "reason"),
    "refuse unknown channel": ("routed", "handler", "refuse", {"reason": "已进入诉讼程序", "legal_channel": "court"},
                               "legal_channel"),
    "refuse claim with no channel": ("routed", "handler", "refuse", {"reason": "不属于信访事项", "legal_channel": "none"},
                                     "legal_channel"),
    "object without reason": ("routed", "handler", "object", {}, "reason"),
    "object short reason": ("routed", "handler", "object", {"reason": "否"}, "reason"),
    "extend 31 days": ("accepted", "head", "extend", {"days": 31, "reason": "需要现场勘查"}, "days"),
    "extend 0 days": ("accepted", "head", "extend", {"days": 0, "reason": "需要现场勘查"}, "days"),
    "extend days not a number": ("accepted", "head", "extend", {"days": "many", "reason": "需要现场勘查"}, "days"),
    "extend without reason": ("accepted", "head", "extend", {"days": 10}, "reason"),
    "reply unknown outcome": ("accepted", "handler", "reply", {"outcome": "maybe", "text": "经核查，已督促物业修复。"},
                              "outcome"),
    "reply short text": ("accepted", "handler", "reply", {"outcome": "support", "text": "已办"}, "text"),
    "review unknown outcome": ("review_requested", "officer", "review/decide",
                               {"outcome": "support", "text": "维持原处理意见，督促落实。"}, "outcome"),
    "review short text": ("review_requested", "officer", "review/decide", {"outcome": "uphold", "text": "维持"}, "text"),
    "re-review without text": ("re_review_requested", "officer", "re-review/decide", {"outcome": "uphold"}, "text"),
    "accept note too long": ("routed", "handler", "accept", {"note": "长" * 2001}, "note"),
}


def test_action_bad_input_is_400_and_writes_nothing(api, case_in):
    before = _unchanged(case_in)

    def check(status, persona, action, body, field):
        def run():
            assert_error(_post(api(persona), case_in[status], action, body), 400, field)
        return run

    check_each({label: check(*row) for label, row in BAD_ACTIONS.items()})
    assert _unchanged(case_in) == before


def test_routing_an_accusation_to_the_accused_is_400_and_audited(api, flow):
    case, _ = flow.register(matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",))
    before = db_counts()

    for unit in ("MH-FGJ", "MH-FGJ-01"):  # the accused unit and a unit below it (Art. 30 ¶3)
        assert_error(_post(api("officer"), case, "route", {"unit": unit, "mode": "transfer"}), 400, "unit")

    assert db_counts() == before
    assert Case.objects.get(pk=case.pk).status == "registered"
    assert AuditEntry.objects.filter(action="case.route", object_id=str(case.pk), result="denied").count() == 2
