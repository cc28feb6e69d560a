"""GET /api/v1/cases/ and /api/v1/cases/{id}/: shapes, filters, scoping, masking and query counts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.builders import PHONE, assert_error
from tests.conftest import VALID_ID, at
from xinfang.cases import services
from xinfang.cases.models import Case, CaseDeadline, CaseDocument, CaseEvent
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry

LIST_KEYS = {"id", "number", "title", "channel", "matter_type", "status", "received_at", "category", "street",
             "handling_unit"}
# docs/lifecycle.md "API": the deadlines object has exactly these keys.
DEADLINE_KEYS = {"route_by", "accept_by", "object_by", "decide_by", "report_by", "review_request_by",
                 "review_decide_by", "re_review_request_by", "re_review_decide_by"}
MASKED_ID = VALID_ID[:6] + "********" + VALID_ID[-4:]

# Pinned query counts (measured on SQLite and PostgreSQL). Raise them only with a reason.
# List: token + user + unit (1), COUNT (1), one page with category/street/unit joined (1).
LIST_QUERIES = 3
# Detail: token (1), the case with its joins (1), petitioners, events, deadlines, documents, accused,
# accused units, ratings (7), the audit row: head, insert, head update (3).
DETAIL_QUERIES = 12


def _ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def three_cases(flow):
    """A claim routed to housing, a suggestion still registered, a claim routed to human resources."""
    housing, _ = flow.case_at("routed")
    suggestion, _ = flow.register(matter_type=Case.MatterType.SUGGESTION, title="建议增设公交站点")
    hr, _ = flow.register(title="拖欠工资", category="labour")
    flow.route(hr, unit="hr")
    return {"housing": housing, "suggestion": suggestion, "hr": hr}


def test_list_shape_and_order(api, three_cases):
    response = api("officer").get("/api/v1/cases/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "limit", "offset", "results"}
    assert (body["count"], body["limit"], body["offset"]) == (3, 50, 0)
    assert all(set(row) == LIST_KEYS for row in body["results"])
    # Newest received first, then newest id: all three were received at the same moment.
    assert [r["id"] for r in body["results"]] == sorted((c.pk for c in three_cases.values()), reverse=True)
    row = next(r for r in body["results"] if r["id"] == three_cases["hr"].pk)
    assert row["handling_unit"] == {"code": "MH-RSJ", "name": "区人社局"}
    assert row["category"] == {"code": "LDSB", "name": "劳动和社会保障"}
    assert row["street"] == {"code": "MH-JCL", "name": "江川路街道"}
    assert row["received_at"] == "2026-10-09T01:00:00+00:00"
    suggestion = next(r for r in body["results"] if r["id"] == three_cases["suggestion"].pk)
    assert suggestion["handling_unit"] is None and suggestion["matter_type"] == "suggestion"


def test_list_filters(api, three_cases):
    officer = api("officer")
    c = three_cases
    assert set(_ids(officer.get("/api/v1/cases/?status=routed"))) == {c["housing"].pk, c["hr"].pk}
    assert set(_ids(officer.get("/api/v1/cases/?status=registered,routed"))) == {x.pk for x in c.values()}
    assert _ids(officer.get("/api/v1/cases/?matter_type=suggestion")) == [c["suggestion"].pk]
    assert _ids(officer.get("/api/v1/cases/?unit=MH-RSJ")) == [c["hr"].pk]
    assert _ids(officer.get(f"/api/v1/cases/?number=%20{c['housing'].number}%20")) == [c["housing"].pk]
    assert _ids(officer.get("/api/v1/cases/?overdue=1")) == []
    CaseDeadline.objects.filter(case=c["hr"], kind="accept_by").update(overdue_at=at("2026-10-12 09:00"))
    assert _ids(officer.get("/api/v1/cases/?overdue=true")) == [c["hr"].pk]


def test_list_pagination(api, three_cases):
    officer = api("officer")
    newest_first = sorted((x.pk for x in three_cases.values()), reverse=True)
    body = officer.get("/api/v1/cases/?limit=1&offset=1").json()
    assert (body["count"], body["limit"], body["offset"]) == (3, 1, 1)
    assert [r["id"] for r in body["results"]] == [newest_first[1]]
    # Out-of-range values are clamped, not refused.
    body = officer.get("/api/v1/cases/?limit=0&offset=-5").json()
    assert (body["limit"], body["offset"], len(body["results"])) == (1, 0, 1)
    assert officer.get("/api/v1/cases/?limit=100000").json()["limit"] == 200
    assert_error(officer.get("/api/v1/cases/?limit=ten"), 400)
    assert_error(officer.get("/api/v1/cases/?offset=1.5"), 400)


def test_list_is_scoped_to_the_callers_unit(api, three_cases):
    assert _ids(api("handler").get("/api/v1/cases/")) == [three_cases["housing"].pk]
    assert _ids(api("other_handler").get("/api/v1/cases/")) == [three_cases["hr"].pk]
    assert _ids(api("street_handler").get("/api/v1/cases/")) == []
    # A filter cannot widen the scope.
    assert _ids(api("handler").get("/api/v1/cases/?unit=MH-RSJ")) == []
    # The three admins see no petition content (SECURITY.md 3).
    for admin in ("system_admin", "security_admin", "audit_admin"):
        body = api(admin).get("/api/v1/cases/").json()
        assert body["count"] == 0 and body["results"] == []


def test_detail_shape_with_masked_personal_data(api, flow):
    case, _ = flow.case_at("accepted")

    response = api("handler").get(f"/api/v1/cases/{case.pk}/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert LIST_KEYS <= set(body)
    assert {"status_display", "content", "group_size", "route_mode", "registered_unit", "repeat_of",
            "petitioners", "accused", "extension_days", "refuse_reason", "legal_channel", "outcome",
            "reply_text", "review_outcome", "re_review_outcome", "closed_reason", "deadlines",
            "deadline_states", "ratings", "documents", "events"} <= set(body)
    assert body["id"] == case.pk and body["status"] == "accepted" and body["route_mode"] == "transfer"
    assert body["registered_unit"] == {"code": "MH-XFB", "name": "区信访办"}
    [petitioner] = body["petitioners"]
    assert petitioner["id_number"] == MASKED_ID
    assert petitioner["phone"] == "138****5678"
    assert petitioner["name"] == "张三" and petitioner["is_representative"] is False
    text = response.content.decode()
    assert VALID_ID not in text and PHONE not in text

    assert [e["action"] for e in body["events"]] == ["registered", "routed", "accepted"]
    routed = body["events"][1]
    assert set(routed) == {"at", "actor", "action", "from_status", "to_status", "note", "data"}
    assert (routed["from_status"], routed["to_status"]) == ("registered", "routed")
    assert routed["actor"] == "officer" and routed["data"] == {"unit": "MH-FGJ", "mode": "transfer"}

    deadlines = body["deadlines"]
    assert set(deadlines) == DEADLINE_KEYS
    for kind, value in deadlines.items():
        assert value is None or (set(value) == {"date", "provisional"}
                                 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value["date"])
                                 and isinstance(value["provisional"], bool)), (kind, value)
    # Accepted on 2026-10-12: Art. 34, 60 days -> 2026-12-11; the objection window no longer applies.
    assert deadlines["decide_by"] == {"date": "2026-12-11", "provisional": False}
    assert deadlines["object_by"] is None
    assert deadlines["route_by"] == {"date": "2026-10-26", "provisional": False}
    assert deadlines["review_request_by"] is None
    states = {s["kind"]: s for s in body["deadline_states"]}
    assert states["route_by"]["met_at"] is not None and states["decide_by"]["met_at"] is None
    assert [d["kind"] for d in body["documents"]] == ["acceptance_notice"]


def test_detail_deadline_in_a_year_without_calendar_is_provisional(api, flow):
    case, _ = flow.case_at("routed")
    with clock_at(at("2026-11-20 10:00")):
        flow.accept(case)

    deadlines = api("officer").get(f"/api/v1/cases/{case.pk}/").json()["deadlines"]

    # 60 days from 2026-11-20 ends in 2027, whose official calendar is not loaded.
    assert deadlines["decide_by"] == {"date": "2027-01-19", "provisional": True}


def test_detail_read_is_audited(api, flow):
    case, _ = flow.register()
    api("officer").get(f"/api/v1/cases/{case.pk}/")
    entry = AuditEntry.objects.get(action="case.read", object_id=str(case.pk))
    assert (entry.username, entry.role, entry.result, entry.object_type) == ("officer", "officer", "ok", "cases.case")


def test_detail_of_missing_or_foreign_case_is_404_and_denial_audited(api, flow):
    case, _ = flow.case_at("routed")
    assert_error(api("officer").get("/api/v1/cases/999999/"), 404)
    assert_error(api("other_handler").get(f"/api/v1/cases/{case.pk}/"), 404)
    assert_error(api("system_admin").get(f"/api/v1/cases/{case.pk}/"), 404)
    denied = AuditEntry.objects.filter(action="case.read", object_id=str(case.pk), result="denied")
    assert sorted(denied.values_list("username", flat=True)) == ["other", "sysadmin"]


def test_responses_are_not_cached(api, flow):
    case, _ = flow.register()
    for url in ("/api/v1/cases/", f"/api/v1/cases/{case.pk}/"):
        assert api("officer").get(url)["Cache-Control"] == "no-store"


# --- query counts --------------------------------------------------------------------------------


def _many_cases(flow, count):
    cases = []
    for i in range(count):
        case, _ = flow.register(title=f"事项{i}", category=("housing", "labour", "property")[i % 3])
        if i % 2:
            flow.route(case, unit=("housing", "hr")[i % 4 // 2])
        cases.append(case)
    return cases


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["officer", "handler"])
def test_list_query_count_is_pinned(api, flow, persona, django_assert_max_num_queries):
    _many_cases(flow, 4)
    client = api(persona)
    client.get("/api/v1/cases/")  # warm-up: nothing per-process should be counted
    with django_assert_max_num_queries(LIST_QUERIES) as captured:
        response = client.get("/api/v1/cases/")
    assert response.json()["count"] >= 1
    assert len(captured) == LIST_QUERIES, "fewer queries than pinned: lower LIST_QUERIES to keep the pin tight"


def test_list_query_count_does_not_grow_with_the_cases(api, flow, django_assert_max_num_queries):
    officer = api("officer")
    _many_cases(flow, 2)
    few = _queries(officer, "/api/v1/cases/")
    _many_cases(flow, 20)
    with django_assert_max_num_queries(few):
        response = officer.get("/api/v1/cases/?limit=200")
    assert response.json()["count"] == 22 and len(response.json()["results"]) == 22
    assert few == LIST_QUERIES


def _fully_loaded_case(flow, personas):
    """An accusation with an accused unit and person, two petitioners, routed to the discipline
    commission, answered with documents issued, and rated."""
    case, _ = flow.register(matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",),
                            accused_persons=({"name": "王某某", "position": "科长", "unit": flow.district["housing"]},))
    flow.route(case, unit="discipline")
    handler = personas["discipline_handler"]
    services.case_accept(case=case, actor=handler)
    services.case_reply(case=case, actor=handler, outcome=Case.Outcome.SUPPORT, text="经查，反映的问题基本属实，已作处理。")
    services.case_rate(case=case, rating="satisfied")
    return case


def test_detail_query_count_is_pinned(api, flow, personas, django_assert_max_num_queries):
    case = _fully_loaded_case(flow, personas)
    officer = api("officer")
    officer.get(f"/api/v1/cases/{case.pk}/")
    with django_assert_max_num_queries(DETAIL_QUERIES) as captured:
        response = officer.get(f"/api/v1/cases/{case.pk}/")
    assert len(captured) == DETAIL_QUERIES, "fewer queries than pinned: lower DETAIL_QUERIES to keep the pin tight"
    body = response.json()
    assert body["accused"] == [{"unit": {"code": "MH-FGJ", "name": "区房管局"}, "name": "", "position": ""},
                               {"unit": {"code": "MH-FGJ", "name": "区房管局"}, "name": "王某某", "position": "科长"}]
    assert body["ratings"][0]["rating"] == "satisfied"
    assert len(body["documents"]) == 2 and len(body["events"]) == 5


def test_detail_query_count_does_not_grow_with_events_and_documents(api, flow, personas):
    officer = api("officer")
    small = _fully_loaded_case(flow, personas)
    big = _fully_loaded_case(flow, personas)
    for i in range(15):
        CaseEvent.objects.create(case=big, at=big.received_at, action="note", note=f"记录{i}")
        CaseDocument.objects.create(case=big, kind="attachment", title=f"附件{i}")
    assert _queries(officer, f"/api/v1/cases/{small.pk}/") == _queries(officer, f"/api/v1/cases/{big.pk}/")
