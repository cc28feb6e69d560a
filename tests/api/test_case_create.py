"""POST /api/v1/cases/: registration, its answer, and every kind of bad input refused with nothing
written (SECURITY.md 13)."""

from __future__ import annotations

import re

from tests.api.builders import PHONE, assert_error, check_each, db_counts, registration_body
from tests.conftest import VALID_ID
from xinfang.cases.models import Case, CaseEvent, Petitioner
from xinfang.cases.services.registration import query_code_normalize
from xinfang.core.crypto import token_hash
from xinfang.core.models import AuditEntry

URL = "/api/v1/cases/"
# A valid number with the check character X (tests/conftest.py's VALID_ID_2 has a wrong check digit).
ID_X = "31011219850612006X"
DEADLINE_KEYS = {"route_by", "accept_by", "object_by", "decide_by", "report_by", "review_request_by", "review_decide_by",
                 "re_review_request_by", "re_review_decide_by"}


def test_register_answers_201_with_number_query_code_and_deadlines(api, categories):
    before = db_counts()

    response = api("registrar").post(URL, registration_body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "number", "query_code", "status", "deadlines", "linked_to", "repeat_of", "warnings"}
    assert re.fullmatch(r"XF-2026-\d{6}", body["number"])
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", body["query_code"])
    assert body["status"] == "registered"
    assert body["linked_to"] is None and body["repeat_of"] is None and body["warnings"] == []
    assert set(body["deadlines"]) == DEADLINE_KEYS
    # Art. 22: 15 days from the receipt on 2026-10-09 is Saturday 10-24, moved to Monday 10-26.
    assert body["deadlines"]["route_by"] == {"date": "2026-10-26", "provisional": False}
    assert all(body["deadlines"][k] is None for k in DEADLINE_KEYS - {"route_by"})

    after = db_counts()
    assert after["Case"] == before["Case"] + 1
    assert after["CaseEvent"] == before["CaseEvent"] + 1
    assert after["CaseDeadline"] == before["CaseDeadline"] + 1
    case = Case.objects.get(pk=body["id"])
    assert case.number == body["number"] and case.category.code == "ZFBZ" and case.street.code == "MH-JCL"
    # Only the hash of the query code is stored; the formatted code shown once maps to it.
    assert case.query_code_hash == token_hash(query_code_normalize(body["query_code"]))
    assert AuditEntry.objects.filter(action="case.create", object_id=str(case.pk)).count() == 1


def test_register_stores_id_and_phone_encrypted_and_never_answers_them(api, categories):
    body = registration_body(petitioners=[
        {"name": "张三", "id_number": VALID_ID, "phone": PHONE},
        {"name": "李四", "id_number": ID_X.lower()},  # a lower-case check character is accepted
    ], group_size=2)

    response = api("registrar").post(URL, body, format="json")

    assert response.status_code == 201, response.content
    text = response.content.decode()
    assert VALID_ID not in text and ID_X not in text and ID_X.lower() not in text and PHONE not in text
    zhang = Petitioner.objects.get(name="张三")
    assert zhang.id_masked == VALID_ID[:6] + "*" * 8 + VALID_ID[-4:]
    assert VALID_ID not in zhang.id_number_encrypted and PHONE not in zhang.phone_encrypted
    assert Petitioner.objects.get(name="李四").id_masked == "310112********006X"


def test_register_received_at_within_clock_skew_is_accepted(api, categories):
    # The clock is at 10:00; a few minutes ahead is a wrong office clock, not a future petition.
    response = api("registrar").post(URL, registration_body(received_at="2026-10-12T10:04:00+08:00"), format="json")
    assert response.status_code == 201, response.content


def test_register_group_visit_with_five_representatives(api, categories):
    reps = [{"name": f"代表{i}"} for i in range(5)]
    response = api("registrar").post(URL, registration_body(channel="visit", group_size=30, representatives=reps),
                                     format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.case_petitioners.filter(is_representative=True).count() == 5


def test_register_a_repeat_of_an_open_matter_is_linked_to_it(api, categories):
    first = api("registrar").post(URL, registration_body(), format="json").json()

    response = api("registrar").post(URL, registration_body(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "linked"
    assert body["linked_to"] == {"id": first["id"], "number": first["number"]}
    assert all(value is None for value in body["deadlines"].values())
    # force_new: the registrar judged it another matter.
    forced = api("registrar").post(URL, registration_body(force_new=True), format="json").json()
    assert forced["status"] == "registered" and forced["linked_to"] is None


def test_register_needs_the_permission(api, categories):
    before = db_counts()
    assert_error(api("handler").post(URL, registration_body(), format="json"), 403)
    assert_error(api("leader").post(URL, registration_body(), format="json"), 403)
    assert db_counts() == before


def _petitioner(**fields):
    return [{"name": "张三", "id_number": VALID_ID, "phone": PHONE, **fields}]


def _without(key):
    body = registration_body()
    del body[key]
    return body


BAD_BODIES = {
    "missing channel": (_without("channel"), "channel"),
    "missing received_at": (_without("received_at"), "received_at"),
    "missing matter_type": (_without("matter_type"), "matter_type"),
    "missing title": (_without("title"), "title"),
    "missing content": (_without("content"), "content"),
    "missing petitioners": (_without("petitioners"), "petitioners"),
    "no petitioner": (registration_body(petitioners=[]), "petitioners"),
    "petitioners not a list": (registration_body(petitioners="张三"), "petitioners"),
    "blank title": (registration_body(title="   "), "title"),
    "unknown channel": (registration_body(channel="pigeon"), "channel"),
    "unknown matter_type": (registration_body(matter_type="complaint"), "matter_type"),
    "unknown category": (registration_body(category="NOPE"), "category"),
    "unknown street": (registration_body(street="MH-NOPE"), "street"),
    "street that is not a street": (registration_body(street="MH-FGJ"), "street"),
    "unknown accused unit": (registration_body(matter_type="accusation", accused_units=["MH-NOPE"]),
                             "accused_units"),
    "unknown accused person's unit": (
        registration_body(matter_type="accusation", accused_persons=[{"name": "王某", "unit": "MH-NOPE"}]),
        "accused_persons"),
    "accused units on a suggestion": (registration_body(matter_type="suggestion", accused_units=["MH-FGJ"]),
                                      "accused_units"),
    "id number check digit": (registration_body(petitioners=_petitioner(id_number=VALID_ID[:-1] + "5")),
                              "petitioners[0].id_number"),
    "id number too short": (registration_body(petitioners=_petitioner(id_number="11010119900307")),
                            "petitioners[0].id_number"),
    "id number birth date": (registration_body(petitioners=_petitioner(id_number="110101199002304511")),
                             "petitioners[0].id_number"),
    "phone": (registration_body(petitioners=_petitioner(phone="12345")), "petitioners[0].phone"),
    "petitioner without name": (registration_body(petitioners=_petitioner(name=" ")), "petitioners[0].name"),
    "naive received_at": (registration_body(received_at="2026-10-09T09:00:00"), "received_at"),
    "date-only received_at": (registration_body(received_at="2026-10-09"), "received_at"),
    "future received_at": (registration_body(received_at="2026-10-12T10:06:00+08:00"), "received_at"),
    "received_at before 2000": (registration_body(received_at="1999-12-31T10:00:00+08:00"), "received_at"),
    "received_at not a time": (registration_body(received_at="yesterday"), "received_at"),
    "six representatives": (registration_body(channel="visit", group_size=30,
                                              representatives=[{"name": f"代表{i}"} for i in range(6)]),
                            "representatives"),
    "group visit without representatives": (registration_body(channel="visit", group_size=30), "representatives"),
    "group_size zero": (registration_body(group_size=0), "group_size"),
    "group_size below petitioners": (registration_body(
        petitioners=[{"name": "张三"}, {"name": "李四"}], group_size=1), "group_size"),
    "repeat_of unknown case": (registration_body(repeat_of=999999), "repeat_of"),
    "repeat_of not a number": (registration_body(repeat_of="XF-2026-000001"), "repeat_of"),
    "title too long": (registration_body(title="长" * 201), "title"),
}


def test_register_bad_input_is_400_and_writes_nothing(api, categories):
    client = api("registrar")
    before = db_counts()

    def check(body, field):
        def run():
            response = client.post(URL, body, format="json")
            payload = assert_error(response, 400, field)
            assert VALID_ID[:-1] not in response.content.decode()  # never echo an ID number, valid or not
            assert payload.get("code") == "invalid"
            assert db_counts() == before
        return run

    check_each({name: check(body, field) for name, (body, field) in BAD_BODIES.items()})
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_register_reports_every_bad_field_at_once(api, categories):
    # Each value passes the input serializer; the service names every one of its problems at once.
    body = registration_body(received_at="2026-10-13T10:00:00+08:00", group_size=1,
                             petitioners=[{"name": "张三", "id_number": VALID_ID[:-1] + "5"},
                                          {"name": "李四", "phone": "12345"}])

    payload = assert_error(api("registrar").post(URL, body, format="json"), 400)

    assert set(payload["errors"]) == {"received_at", "group_size", "petitioners[0].id_number",
                                      "petitioners[1].phone"}
    assert not Case.objects.exists()
