"""The grassroots API (/api/v1/grassroots/): every endpoint's success path with its answer's shape, the
one-step conversions, filters checked like bodies, and bad input refused with 400 and nothing written."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.conftest import VALID_ID
from tests.grassroots.conftest import PHONE, counts
from xinfang.cases.models import Case
from xinfang.grassroots.models import Dispute, Mediation, ReceptionDay

PARTIES = [{"name": "王五", "id_number": VALID_ID, "phone": PHONE, "address": "东风新村3号"},
           {"name": "赵六", "role": "respondent"}]


def _dispute_body(**overrides):
    body = {"title": "楼道堆物纠纷", "description": "楼道堆放杂物。", "risk_level": "medium", "source": "grid",
            "found_on": "2026-11-19", "parties": PARTIES}
    body.update(overrides)
    return body


def test_dispute_create_list_retrieve_convert(api_as, units):
    client = api_as("point_registrar")
    response = client.post("/api/v1/grassroots/disputes/", _dispute_body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["unit"] == {"code": "MH-JCL-01-FW", "name": "东风居委家门口服务站"}
    assert data["street"]["code"] == "MH-JCL" and data["status"] == "open"
    assert [p["id_masked"] for p in data["parties"]] == ["110101********4514", ""]
    listed = client.get("/api/v1/grassroots/disputes/?status=open&risk_level=medium").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == data["id"]
    assert client.get("/api/v1/grassroots/disputes/?status=closed").status_code == 400
    response = client.post(f"/api/v1/grassroots/disputes/{data['id']}/convert/", {"matter_type": "claim"},
                           format="json")
    assert response.status_code == 201
    converted = response.json()
    case = Case.objects.get(pk=converted["case"]["id"])
    assert converted["status"] == "registered" and case.channel == "service_point"
    detail = client.get(f"/api/v1/grassroots/disputes/{data['id']}/").json()
    assert detail["status"] == "converted" and detail["case"] == {"id": case.pk, "number": case.number}
    assert client.post(f"/api/v1/grassroots/disputes/{data['id']}/convert/", {"matter_type": "claim"},
                       format="json").status_code == 409


def test_bad_dispute_bodies_are_refused_and_write_nothing(api_as):
    client = api_as("point_registrar")
    before = counts()
    for body in (_dispute_body(parties=[]), _dispute_body(risk_level="extreme"),
                 _dispute_body(found_on="2030-01-01"), _dispute_body(category="NOPE"),
                 _dispute_body(unit="MH-XZ"),  # another street: outside the caller's unit
                 _dispute_body(parties=[{"name": "王五", "id_number": "110101199003074515"}]),
                 [1, 2, 3]):
        response = client.post("/api/v1/grassroots/disputes/", body, format="json")
        assert response.status_code == 400, (body, response.json())
        assert set(response.json()) == {"message", "errors", "code"}
    assert client.post("/api/v1/grassroots/disputes/", "{not json", content_type="application/json").status_code == 400
    assert counts() == before


def test_mediation_with_sessions_agreement_docx_and_follow_up(api_as, build, units):
    dispute = build.dispute()
    client = api_as("point_registrar")
    body = {"kind": "joint", "started_on": "2026-11-20", "dispute": dispute.pk, "participants": [
        {"kind": "police_station", "unit": "MH-GA-JCL", "mediator": "李警官"},
        {"kind": "judicial_office", "unit": "MH-SFJ-JCL", "mediator": "陈所长"},
        {"kind": "law_firm", "organisation": "上海明理律师事务所", "mediator": "周律师"}]}
    response = client.post("/api/v1/grassroots/mediations/", body, format="json")
    assert response.status_code == 201, response.json()
    mediation = response.json()
    assert mediation["dispute"] == dispute.pk and len(mediation["parties"]) == 2
    assert [p["unit"]["code"] if p["unit"] else None for p in mediation["participants"]] == [
        "MH-GA-JCL", "MH-SFJ-JCL", None]
    url = f"/api/v1/grassroots/mediations/{mediation['id']}/"
    assert client.post(f"{url}conclude/", {"outcome": "no_agreement"}, format="json").status_code == 409
    response = client.post(f"{url}sessions/", {"held_at": "2026-11-20T09:00:00+08:00", "place": "调解室",
                                               "notes": "双方到场。"}, format="json")
    assert response.status_code == 200 and len(response.json()["sessions"]) == 1
    assert client.post(f"{url}sessions/", {"held_at": "2026-11-20T09:00:00", "place": "调解室", "notes": "x"},
                       format="json").status_code == 400  # no offset
    response = client.post(f"{url}conclude/", {"outcome": "agreement", "agreement_terms": "一、修复防水。",
                                               "performance_due": "2026-12-01"}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "agreement"
    docx = client.get(f"{url}agreement/")
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "一、修复防水。" in "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    response = client.post(f"{url}follow-ups/", {"visited_on": "2026-11-20", "method": "phone",
                                                 "result": "performed"}, format="json")
    assert response.status_code == 200 and response.json()["fulfilled_at"] is not None
    assert client.get("/api/v1/grassroots/mediations/?case=0&status=concluded").json()["count"] == 0
    assert client.get("/api/v1/grassroots/mediations/?kind=joint").json()["count"] == 1
    assert Dispute.objects.get(pk=dispute.pk).status == "resolved"


def test_agreement_of_a_mediation_without_one_is_404(api_as, build):
    mediation = build.mediation()
    response = api_as("point_registrar").get(f"/api/v1/grassroots/mediations/{mediation.pk}/agreement/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_mediation_for_a_case_is_listed_by_case(api_as, build, people, categories):
    from tests.conftest import at
    from xinfang.cases.services import PetitionerInput, case_register

    case = case_register(actor=people["registrar"], channel="visit", received_at=at("2026-11-19 09:00"),
                         matter_type="claim", title="物业费纠纷", content="物业费", petitioners=[
                             PetitionerInput(name="张三")]).case
    client = api_as("officer")
    body = {"kind": "people", "title": "物业费纠纷调解", "matter": "物业费争议", "started_on": "2026-11-20",
            "case": case.pk, "parties": PARTIES,
            "participants": [{"kind": "committee", "organisation": "居委人民调解委员会", "mediator": "老娘舅"}]}
    response = client.post("/api/v1/grassroots/mediations/", body, format="json")
    assert response.status_code == 201 and response.json()["case"] == {"id": case.pk, "number": case.number}
    listed = client.get(f"/api/v1/grassroots/mediations/?case={case.pk}").json()
    assert [m["id"] for m in listed["results"]] == [response.json()["id"]]
    # A case the caller cannot see is a bad reference, not a leak.
    response = api_as("street2_handler").post("/api/v1/grassroots/mediations/", body, format="json")
    assert response.status_code == 400 and "case" in response.json()["errors"]


def test_visit_with_finding_converted(api_as):
    client = api_as("street_handler")
    body = {"kind": "walk", "visited_at": "2026-11-19T15:00:00+08:00", "place": "东风新村", "visitors": "李明",
            "summary": "走访居民。", "findings": [{"title": "路灯损坏", "description": "5号楼前路灯坏了。",
                                                 "parties": [{"name": "孙七", "phone": PHONE}]}]}
    response = client.post("/api/v1/grassroots/visits/", body, format="json")
    assert response.status_code == 201, response.json()
    visit = response.json()
    [finding] = visit["findings"]
    assert finding["parties"][0]["phone_masked"] == "138****5678"
    response = client.post(f"/api/v1/grassroots/visits/{visit['id']}/findings/",
                           {"title": "井盖缺失", "description": "路口井盖缺失。"}, format="json")
    assert response.status_code == 201 and len(response.json()["findings"]) == 2
    # The street's handler may not register cases; the bureau's officer may.
    assert client.post(f"/api/v1/grassroots/findings/{finding['id']}/convert/", {"matter_type": "claim"},
                       format="json").status_code == 403
    response = api_as("officer").post(f"/api/v1/grassroots/findings/{finding['id']}/convert/",
                                      {"matter_type": "claim"}, format="json")
    assert response.status_code == 201
    assert Case.objects.get(pk=response.json()["case"]["id"]).channel == "visit"
    assert client.get("/api/v1/grassroots/visits/?kind=walk").json()["count"] == 1
    assert client.get("/api/v1/grassroots/visits/?kind=run").status_code == 400
    home = dict(body, kind="home", findings=[])
    response = client.post("/api/v1/grassroots/visits/", home, format="json")
    assert response.status_code == 400 and "case" in response.json()["errors"]


def test_reception_days_schedule_receive_register_cancel(api_as, people):
    client = api_as("officer")
    body = {"leader": "leader", "date": "2026-11-20", "starts_at": "09:00", "ends_at": "11:30",
            "place": "区信访接待大厅", "unit": "MH-XFB", "topic": "住房保障", "joint_units": ["MH-FGJ"]}
    response = client.post("/api/v1/grassroots/reception-days/", body, format="json")
    assert response.status_code == 201, response.json()
    day = response.json()
    assert day["joint_units"] == [{"code": "MH-FGJ", "name": "区房管局"}] and day["starts_at"] == "09:00"
    assert client.post("/api/v1/grassroots/reception-days/", dict(body, starts_at="9:00"),
                       format="json").status_code == 400
    assert client.post("/api/v1/grassroots/reception-days/", dict(body, leader="handler"),
                       format="json").status_code == 400
    url = f"/api/v1/grassroots/reception-days/{day['id']}/"
    response = client.post(f"{url}receptions/", {"matter": "反映加装电梯问题。", "persons": [PARTIES[0]]},
                           format="json")
    assert response.status_code == 201
    reception = response.json()
    assert reception["persons"][0]["id_masked"] == "110101********4514"
    six = [{"name": f"代表{i}"} for i in range(6)]
    assert client.post(f"{url}receptions/", {"matter": "集体", "persons": six}, format="json").status_code == 400
    response = client.post(f"/api/v1/grassroots/receptions/{reception['id']}/register/",
                           {"matter_type": "claim", "title": "加装电梯"}, format="json")
    assert response.status_code == 201
    detail = client.get(url).json()
    assert detail["status"] == "held" and detail["receptions_visible"] is True
    assert detail["receptions"][0]["case"]["id"] == response.json()["case"]["id"]
    other = api_as("street2_handler").get(url).json()
    assert other["receptions_visible"] is False and other["receptions"] == []
    assert client.post(f"{url}cancel/", {"reason": "改期"}, format="json").status_code == 409  # already held
    later = client.post("/api/v1/grassroots/reception-days/", dict(body, date="2026-11-27", joint_units=[]),
                        format="json").json()
    response = client.post(f"/api/v1/grassroots/reception-days/{later['id']}/cancel/", {"reason": "领导公务"},
                           format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    listed = client.get("/api/v1/grassroots/reception-days/?start=2026-11-01&status=cancelled").json()
    assert [d["id"] for d in listed["results"]] == [later["id"]]
    assert ReceptionDay.objects.count() == 2


def test_service_points(api_as, build, units):
    build.dispute()
    build.mediation()
    client = api_as("point_registrar")
    points = client.get("/api/v1/grassroots/service-points/").json()
    assert [(p["code"], p["open_disputes"], p["ongoing_mediations"]) for p in points] == [("MH-JCL-01-FW", 1, 1)]
    detail = client.get(f"/api/v1/grassroots/service-points/{units['point'].pk}/").json()
    assert [d["title"] for d in detail["disputes"]] == ["楼上漏水纠纷"]
    assert [m["title"] for m in detail["mediations"]] == ["邻里漏水纠纷调解"] and detail["intake"] == []
    assert client.get(f"/api/v1/grassroots/service-points/{units['point2'].pk}/").status_code == 404
    assert Mediation.objects.count() == 1


@pytest.mark.parametrize("url", ["/api/v1/grassroots/disputes/", "/api/v1/grassroots/service-points/"])
def test_anonymous_is_401(url):
    from rest_framework.test import APIClient

    assert APIClient().get(url).status_code == 401
