"""The full ID number (and phone) never leaves the API, except through the audited reveal endpoint, for a
caller with the permission and a stated reason (SECURITY.md 5–8)."""

from __future__ import annotations

import json

import pytest

from tests.api.builders import PHONE, assert_error, db_counts, registration_body
from tests.conftest import VALID_ID
from xinfang.cases.models import Petitioner
from xinfang.core.models import AuditEntry

ID_B = "31011219850612006X"
PHONE_B = "13987654321"


def test_full_numbers_never_appear_in_any_api_response(api, categories):
    """Drive a two-petitioner case through every staff and portal endpoint, errors included, and scan
    each answer for the full numbers."""
    bodies: list[str] = []

    def keep(response, status=None):
        if status is not None:
            assert response.status_code == status, response.content
        bodies.append(response.content.decode())
        return response

    body = registration_body(petitioners=[
        {"name": "张三", "id_number": VALID_ID, "phone": PHONE, "address": "江川路1号"},
        {"name": "李四", "id_number": ID_B.lower(), "phone": f"+86 {PHONE_B}"},
    ], group_size=2)
    created = keep(api("registrar").post("/api/v1/cases/", body, format="json"), 201).json()
    url = f"/api/v1/cases/{created['id']}"
    keep(api("registrar").post("/api/v1/cases/", registration_body(
        petitioners=[{"name": "王五", "id_number": VALID_ID[:-1] + "5"}]), format="json"), 400)
    keep(api("registrar").post("/api/v1/cases/", {**body, "received_at": "2030-01-01T00:00:00+08:00"},
                               format="json"), 400)
    # A repeat by the same people: the answer names the open case, never the people.
    keep(api("registrar").post("/api/v1/cases/", body, format="json"), 201)
    keep(api("officer").post(f"{url}/route/", {"unit": "MH-FGJ", "mode": "transfer"}, format="json"), 200)
    keep(api("handler").post(f"{url}/accept/", {}, format="json"), 200)
    keep(api("handler").post(f"{url}/accept/", {}, format="json"), 409)
    keep(api("handler").post(f"{url}/reply/", {"outcome": "support", "text": "经核查，已督促物业于十日内修复电梯。"},
                             format="json"), 200)
    code = created["query_code"]
    keep(api(None).get(f"/api/v1/portal/track/{code}/"), 200)
    keep(api(None).post("/api/v1/portal/rate/", {"query_code": code, "rating": "satisfied"}, format="json"), 200)
    keep(api(None).post("/api/v1/portal/review/", {"query_code": code, "reason": "电梯仍未修好"}, format="json"), 200)
    keep(api("officer").post(f"{url}/review/decide/", {"outcome": "uphold", "text": "维持原处理意见，督促落实。"},
                             format="json"), 200)
    for persona in ("registrar", "officer", "leader", "handler", "head"):
        keep(api(persona).get("/api/v1/cases/"), 200)
        keep(api(persona).get(f"{url}/"), 200)
    keep(api("other_handler").get(f"{url}/"), 404)

    text = "\n".join(bodies)
    for secret in (VALID_ID, ID_B, ID_B.lower(), PHONE, PHONE_B, VALID_ID[:-1] + "5"):
        assert secret not in text, secret
    # The masked forms are there: the scan looked at real answers.
    assert VALID_ID[:6] + "********" + VALID_ID[-4:] in text and "310112********006X" in text


@pytest.fixture
def case_and_petitioner(flow):
    case, _ = flow.case_at("accepted")
    return case, case.case_petitioners.get().petitioner


def _reveal(client, case, petitioner_id, body):
    return client.post(f"/api/v1/cases/{case.pk}/petitioners/{petitioner_id}/reveal/", body, format="json")


@pytest.mark.parametrize("persona", ["head", "officer"])
def test_reveal_with_permission_and_reason_answers_the_full_numbers_and_is_audited(
        api, case_and_petitioner, persona):
    case, petitioner = case_and_petitioner

    response = _reveal(api(persona), case, petitioner.pk, {"reason": "电话回访需要核实身份"})

    assert response.status_code == 200, response.content
    assert response.json() == {"id_number": VALID_ID, "phone": PHONE}
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(action="petitioner.reveal", result="ok")
    assert (entry.username, entry.object_id) == (persona, str(petitioner.pk))  # usernames equal persona names
    assert entry.detail == {"case": case.pk, "reason": "电话回访需要核实身份"}
    # The audit log itself never holds the number (SECURITY.md 7).
    assert VALID_ID not in json.dumps(entry.detail) and PHONE not in json.dumps(entry.detail)


@pytest.mark.parametrize("persona", ["registrar", "handler", "leader"])
def test_reveal_without_permission_is_403_and_audited(api, case_and_petitioner, persona):
    case, petitioner = case_and_petitioner

    response = _reveal(api(persona), case, petitioner.pk, {"reason": "电话回访需要核实身份"})

    assert_error(response, 403)
    assert VALID_ID not in response.content.decode()
    entry = AuditEntry.objects.get(action="petitioner.reveal")
    assert (entry.result, entry.username) == ("denied", persona)


@pytest.mark.parametrize("body, field", [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "看看"}, "reason"),
                                         ({"reason": "长" * 501}, "reason")],
                         ids=["missing", "blank", "too short", "too long"])
def test_reveal_needs_a_reason(api, case_and_petitioner, body, field):
    case, petitioner = case_and_petitioner
    response = _reveal(api("head"), case, petitioner.pk, body)
    assert_error(response, 400, field)
    assert VALID_ID not in response.content.decode()
    assert not AuditEntry.objects.filter(action="petitioner.reveal", result="ok").exists()


def test_reveal_outside_scope_or_of_another_cases_petitioner_is_404(api, flow, case_and_petitioner):
    case, petitioner = case_and_petitioner
    other_case, _ = flow.case_at("routed", id_number=ID_B, phone=PHONE_B, name="李四")
    stranger = Petitioner.objects.get(name="李四")
    before = db_counts()

    for client, case_id, pid in [
        (api("other_handler"), case, petitioner.pk),  # another unit
        (api("head"), case, stranger.pk),  # a petitioner of another case
        (api("officer"), case, 999999),  # nobody
    ]:
        response = _reveal(client, case_id, pid, {"reason": "电话回访需要核实身份"})
        assert_error(response, 404)
        assert VALID_ID not in response.content.decode() and ID_B not in response.content.decode()

    assert db_counts() == before
    assert not AuditEntry.objects.filter(action="petitioner.reveal", result="ok").exists()
    # ...while the right case reveals that stranger to the head of the unit handling it.
    assert _reveal(api("head"), other_case, stranger.pk, {"reason": "核实身份信息"}).json()["id_number"] == ID_B


def test_reveal_needs_a_token(api, case_and_petitioner):
    case, petitioner = case_and_petitioner
    assert_error(_reveal(api(None), case, petitioner.pk, {"reason": "核实身份信息"}), 401)


def test_petitioner_without_numbers_reveals_empty_strings(api, flow):
    case, _ = flow.case_at("routed", id_number="", phone="")
    petitioner = case.case_petitioners.get().petitioner
    response = _reveal(api("officer"), case, petitioner.pk, {"reason": "核实身份信息"})
    assert response.json() == {"id_number": "", "phone": ""}
