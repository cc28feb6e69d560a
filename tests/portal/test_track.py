"""GET /api/v1/portal/track/{query_code}/: what the petitioner sees — public events and issued documents
only: no staff names, no internal notes, no accused, no personal data."""

from __future__ import annotations

import pytest

from tests.api.builders import PHONE, assert_error
from tests.conftest import VALID_ID
from xinfang.cases.models import Case, CaseDocument
from xinfang.cases.services.events import case_event_append
from xinfang.cases.services.registration import query_code_format
from xinfang.core.models import AuditEntry
from xinfang.portal.apis import PUBLIC_EVENTS

KEYS = {"number", "title", "status", "status_display", "received_date", "handling_unit", "timeline", "documents",
        "can_rate", "review_request_by", "re_review_request_by"}
STAFF_NAMES = {"registrar": "钱登记", "officer": "赵转办", "handler": "李承办", "head": "孙局长"}
INTERNAL_NOTE = "内部备注：领导批示从严核查"


@pytest.fixture
def named_staff(personas):
    for persona, name in STAFF_NAMES.items():
        personas[persona].full_name = name
        personas[persona].save(update_fields=["full_name"])
    return personas


@pytest.fixture
def replied(flow, named_staff):
    """A claim naming an accused official, routed with an internal note, accepted, extended and answered;
    with an internal event, an internal attachment and an unissued draft on file."""
    case, code = flow.register(accused_persons=({"name": "王某某", "position": "物业科科长",
                                                 "unit": flow.district["housing_office"]},))
    flow.route(case, note=INTERNAL_NOTE)
    flow.accept(case)
    from xinfang.cases.services import case_extend

    case_extend(case=case, actor=named_staff["head"], days=10, reason="需要调取物业维修记录")
    flow.reply(case)
    case_event_append(case=case, actor=named_staff["officer"], action="internal_comment", note="督办：约谈物业经理")
    CaseDocument.objects.create(case=case, kind="attachment", title="内部调查报告", body="调查记录：王某某",
                                public=False, issued_at=case.received_at)
    CaseDocument.objects.create(case=case, kind="reply_opinion", title="草稿意见书", body="草稿正文", public=True)
    return case, code


def test_track_shape_and_public_timeline(api, replied):
    case, code = replied

    response = api(None).get(f"/api/v1/portal/track/{code}/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == KEYS
    assert (body["number"], body["status"], body["received_date"]) == (case.number, "replied", "2026-10-09")
    assert body["handling_unit"] == "区房管局"
    assert [e["action"] for e in body["timeline"]] == ["registered", "routed", "accepted", "extended", "replied"]
    assert all(set(e) == {"date", "action", "text"} and e["text"] == PUBLIC_EVENTS[e["action"]]
               for e in body["timeline"])
    assert [d["kind"] for d in body["documents"]] == ["acceptance_notice", "extension_notice", "reply_opinion"]
    assert all(set(d) == {"kind", "title", "issued_at", "body"} for d in body["documents"])
    assert body["documents"][-1]["body"] == "经核查，已督促物业于十日内修复电梯。"
    # Art. 35: 30 days from the reply on 2026-10-12.
    assert body["review_request_by"] == "2026-11-11" and body["re_review_request_by"] is None
    assert body["can_rate"] is True
    assert response["Cache-Control"] == "no-store"


def test_track_shows_no_staff_notes_accused_or_personal_data(api, replied):
    _case, code = replied

    text = api(None).get(f"/api/v1/portal/track/{code}/").content.decode()

    leaks = [*STAFF_NAMES.values(), *STAFF_NAMES.keys(), INTERNAL_NOTE, "督办", "internal_comment",
             "王某某", "物业科科长", "区房管局物业科", "内部调查报告", "草稿意见书",
             VALID_ID, VALID_ID[:6], PHONE, PHONE[-4:], "张三", "江川路1号"]
    assert [leak for leak in leaks if leak in text] == []


def test_track_of_an_accusation_names_no_accused_unit(api, flow):
    case, code = flow.register(matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",),
                               accused_persons=({"name": "王某某", "position": "科长"},))
    flow.route(case, unit="discipline")

    text = api(None).get(f"/api/v1/portal/track/{code}/").content.decode()

    assert "区纪委监委" in text  # the handling unit is public
    assert "区房管局" not in text and "MH-FGJ" not in text and "王某某" not in text


@pytest.mark.parametrize("variant", [
    lambda c: c,  # as shown: XXXX-XXXX-XXXX-XXXX
    lambda c: c.lower(),
    lambda c: c.replace("-", ""),
    lambda c: c.replace("-", "").lower(),
    lambda c: f"  {c.lower()}  ".replace("-", " "),
], ids=["formatted", "lower-case", "no dashes", "lower no dashes", "spaces"])
def test_query_code_in_its_written_forms(api, flow, variant):
    _case, code = flow.register()
    response = api(None).get(f"/api/v1/portal/track/{variant(code)}/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "registered"


def test_query_code_read_aloud_o_i_l_are_zero_and_one(api, flow, monkeypatch):
    monkeypatch.setattr("xinfang.cases.services.registration.query_code_new", lambda: "0123456789ABCDEF")
    case, code = flow.register()
    assert code == "0123-4567-89AB-CDEF"
    for typed in ("O123-4567-89AB-CDEF", "oi23-4567-89ab-cdef", "OL23456789ABCDEF"):
        response = api(None).get(f"/api/v1/portal/track/{typed}/")
        assert response.status_code == 200, (typed, response.content)
        assert response.json()["number"] == case.number


@pytest.mark.parametrize("wrong", ["0000-0000-0000-0000", "ABC", "UUUU-UUUU-UUUU-UUUU", "0" * 17, "%E4%BF%A1" * 4],
                         ids=["well-formed", "short", "letter outside the alphabet", "too long", "chinese"])
def test_wrong_code_is_404_and_audited(api, flow, wrong):
    flow.register()

    payload = assert_error(api(None).get(f"/api/v1/portal/track/{wrong}/"), 404)

    assert payload["code"] == "not_found"
    entry = AuditEntry.objects.get(action="portal.lookup", result="denied")
    # The public looked it up, not the system.
    assert (entry.username, entry.ip, entry.detail) == ("anonymous", "127.0.0.1", {"reason": "wrong_code"})


def test_a_code_one_character_off_is_404(api, flow):
    _case, code = flow.register()
    last = code[-1]
    off = code[:-1] + ("1" if last != "1" else "2")
    assert_error(api(None).get(f"/api/v1/portal/track/{off}/"), 404)


def test_portal_ignores_staff_credentials(api, flow):
    """The portal has no login: a bogus token neither breaks it nor is a staff session needed."""
    _case, code = flow.register()
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(f"/api/v1/portal/track/{code}/").status_code == 200


def test_formatting_matches_what_registration_shows(api, categories):
    from tests.api.builders import registration_body

    created = api("registrar").post("/api/v1/cases/", registration_body(), format="json").json()
    assert created["query_code"] == query_code_format(created["query_code"].replace("-", ""))
    assert api(None).get(f"/api/v1/portal/track/{created['query_code']}/").json()["number"] == created["number"]
