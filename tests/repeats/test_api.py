"""The repeat index's API (xinfang/repeats/apis.py): the same candidates and clusters as the pages' selectors,
scoped by the gateway (Art. 30: an accusation never reaches the accused unit), reasons present, numbers never
echoed, bad input a 400 that writes nothing."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from tests.conftest import at
from tests.repeats.conftest import ACCUSATION, BUS, ELEVATOR, ELEVATOR_REWRITE, VALID_ID, WAGES
from tests.repeats.test_clusters import BUS_AGAIN
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at
from xinfang.core.models import AuditEntry
from xinfang.repeats.clusters import repeat_clusters
from xinfang.repeats.selectors import PersonKeys, case_repeat_candidates, repeat_candidates

INTAKE = "/api/v1/repeats/intake-candidates/"
CLUSTERS = "/api/v1/repeats/clusters/"
PHONE = "13812345678"


def post(client: Client, body: object):
    return client.post(INTAKE, json.dumps(body), content_type="application/json")


def test_intake_candidates_are_the_selectors_with_reasons(login, petitions, personas):
    elevator = petitions.register(ELEVATOR, id_number=VALID_ID, phone=PHONE)
    petitions.register(WAGES)
    body = {"title": ELEVATOR_REWRITE[0], "content": ELEVATOR_REWRITE[1],
            "people": [{"name": "张三", "id_number": VALID_ID, "phone": PHONE, "address": ""}]}
    answer = post(login("registrar"), body)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    expected = repeat_candidates(user=personas["registrar"], title=body["title"], content=body["content"],
                                 people=[PersonKeys.from_input(name="张三", id_number=VALID_ID, phone=PHONE)])
    assert [r["id"] for r in data["results"]] == [c.case.pk for c in expected]
    first = data["results"][0]
    assert first["id"] == elevator.pk and first["number"] == elevator.number
    assert {"id", "phone", "content"} <= {r["kind"] for r in first["reasons"]}
    assert all(r["label"] for r in first["reasons"])
    content = next(r for r in first["reasons"] if r["kind"] == "content")
    assert content["detail"]
    text = answer.content.decode()
    assert VALID_ID not in text and PHONE not in text
    entry = AuditEntry.objects.filter(action="repeats.lookup").get()
    assert entry.detail["by"] == ["id_number", "phone"] and VALID_ID not in json.dumps(entry.detail)


def test_intake_nothing_to_search_by(login):
    data = post(login("registrar"), {}).json()
    assert data == {"searched": False, "results": []}


@pytest.mark.parametrize("body", [
    {"people": [{"id_number": "123"}]},
    {"people": [{"phone": "abc"}]},
    {"title": 5},
    {"street": "1"},
    {"received_at": "yesterday"},
    [],
])
def test_intake_bad_input_is_400_and_writes_nothing(login, body):
    before = AuditEntry.objects.count()
    answer = post(login("registrar"), body)
    assert answer.status_code == 400
    assert "detail" in answer.json() or "errors" in answer.json()
    assert AuditEntry.objects.count() == before


def test_intake_needs_the_intake_permission(login):
    assert post(login("audit_admin"), {"title": "x"}).status_code == 403
    assert Client().post(INTAKE, "{}", content_type="application/json").status_code in (401, 403)


def test_an_accusation_never_reaches_the_accused_unit(login, petitions, personas):
    accusation = petitions.register(ACCUSATION, name="钱七", id_number=VALID_ID,
                                    matter_type=Case.MatterType.ACCUSATION, accused_units=("housing",))
    petitions.route(accusation, "discipline")
    petitions.route(petitions.register(ELEVATOR), "housing")
    body = {"title": ACCUSATION[0], "content": ACCUSATION[1], "people": [{"name": "钱七", "id_number": VALID_ID}]}
    assert accusation.pk in {r["id"] for r in post(login("registrar"), body).json()["results"]}
    register = Permission.objects.get(codename="register_case", content_type__app_label="cases")
    for name in ("handler", "head"):
        personas[name].user_permissions.add(register)  # so that the accused unit can ask at all
        answer = post(login(name), body)
        assert answer.status_code == 200, name
        assert accusation.pk not in {r["id"] for r in answer.json()["results"]}, name
        assert login(name).get(f"/api/v1/cases/{accusation.pk}/similar/").status_code == 404, name


def test_case_similar_is_the_case_pages_candidates(login, petitions, personas):
    elevator = petitions.route(petitions.register(ELEVATOR, id_number=VALID_ID), "housing")
    again = petitions.route(petitions.register(ELEVATOR_REWRITE, id_number=VALID_ID), "housing")
    petitions.register(WAGES)
    answer = login("handler").get(f"/api/v1/cases/{again.pk}/similar/")
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    assert [r["id"] for r in results] == [c.case.pk for c in case_repeat_candidates(user=personas["handler"],
                                                                                      case=again)]
    assert results[0]["id"] == elevator.pk and results[0]["reasons"][0]["kind"] == "id"
    # a unit handler sees only their unit's cases: another unit's handler gets a 404
    assert login("other_handler").get(f"/api/v1/cases/{again.pk}/similar/").status_code == 404
    assert login("officer").get("/api/v1/cases/999999/similar/").status_code == 404


def test_clusters_are_the_pages(login, petitions, personas):
    bus = [petitions.register(text, name=name, when="2026-11-15 09:00")
           for text, name in zip([BUS, *BUS_AGAIN], "甲乙丙丁", strict=True)]
    with clock_at(at("2026-11-20 12:00")):
        answer = login("officer").get(CLUSTERS + "?days=7")
        assert answer.status_code == 200, answer.content
        data = answer.json()
        assert data["days"] == 7 and len(data["results"]) == 1
        cluster = data["results"][0]
        assert {c["id"] for c in cluster["cases"]} == {c.pk for c in bus}
        assert cluster["size"] == 4 and cluster["people"] == 4
        expected = repeat_clusters(user=personas["officer"], days=7)
        assert [len(c.cases) for c in expected] == [cluster["size"]]
        assert login("other_handler").get(CLUSTERS).json()["results"] == []
        assert login("officer").get(CLUSTERS + "?threshold=0.95").status_code == 400


@pytest.mark.parametrize("query", ["days=abc", "days=8", "days=-7", "threshold=x", "threshold=nan", "threshold=0.1"])
def test_clusters_bad_parameters_are_400(login, query):
    answer = login("officer").get(f"{CLUSTERS}?{query}")
    assert answer.status_code == 400
    assert answer.json()


def test_clusters_permission(login):
    assert login("audit_admin").get(CLUSTERS).status_code == 403
