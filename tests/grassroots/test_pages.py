"""The grassroots pages (/grassroots/): each flow through the forms (record → mediate with sessions →
agreement .docx → follow-up; a visit's finding and a dispute turned into a case; a reception day), the case
page's section, the navigation, refusals that keep what was typed and write nothing, and CSP-clean HTML."""

from __future__ import annotations

import io
import re

from docx import Document

from tests.conftest import VALID_ID
from tests.grassroots.conftest import PHONE, counts
from xinfang.cases.models import Case
from xinfang.grassroots.models import Dispute, Mediation, ReceptionDay, Visit


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    # CSP (SECURITY.md 14): no inline script or style anywhere on these pages.
    assert "<style" not in html and " style=" not in html and not re.findall(r"<script(?![^>]*\ssrc=)", html)
    return html


def _party_rows(prefix: str, rows: list[dict[str, str]], total: int = 3) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "20"}
    for index in range(total):
        row = rows[index] if index < len(rows) else {}
        data[f"{prefix}-{index}-role"] = row.get("role", "applicant")
        for field in ("name", "id_number", "phone", "address"):
            data[f"{prefix}-{index}-{field}"] = row.get(field, "")
    return data


def _dispute_form(**overrides: str) -> dict[str, str]:
    data = {"title": "楼道堆物纠纷", "description": "邻居在楼道堆放杂物，消防通道受阻。", "risk_level": "low",
            "source": "screening", "found_on": "2026-11-19", "unit": "", "street": "", "category": "",
            **_party_rows("parties", [{"name": "王五", "id_number": VALID_ID, "phone": PHONE},
                                      {"name": "赵六", "role": "respondent"}])}
    data.update(overrides)
    return data


def test_navigation_shows_the_four_entries_by_permission(login):
    html = _html(login("point_registrar").get("/grassroots/disputes/"))
    for label, url in (("矛盾纠纷", "/grassroots/disputes/"), ("调解", "/grassroots/mediations/"),
                       ("走访接访", "/grassroots/visits/"), ("服务点", "/grassroots/points/")):
        assert f'href="{url}"' in html and label in html
    admin = login("system_admin")
    assert admin.get("/grassroots/disputes/").status_code == 403
    assert "/grassroots/disputes/" not in admin.get("/reference/units/").content.decode()


def test_record_a_dispute_through_the_form_and_see_it_masked(login, units):
    client = login("point_registrar")
    _html(client.get("/grassroots/disputes/new/"))
    response = client.post("/grassroots/disputes/new/", _dispute_form())
    dispute = Dispute.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/grassroots/disputes/{dispute.pk}/"
    assert (dispute.unit, dispute.street) == (units["point"], units["street"])
    html = _html(client.get(response["Location"]))
    assert "楼道堆物纠纷" in html and "110101********4514" in html and "138****5678" in html
    assert VALID_ID not in html and PHONE not in html
    assert "楼道堆物纠纷" in _html(client.get("/grassroots/disputes/"))


def test_a_refused_dispute_form_keeps_what_was_typed_and_writes_nothing(login):
    client = login("point_registrar")
    before = counts()
    # A rule only the service knows comes back next to its field ...
    response = client.post("/grassroots/disputes/new/", _dispute_form(found_on="2030-01-01"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "日期不能晚于今天。" in html and "楼道堆物纠纷" in html and 'value="王五"' in html
    # ... as does one the form checks itself (GB 11643 check digit), on the party's row.
    response = client.post("/grassroots/disputes/new/", _dispute_form(
        **_party_rows("parties", [{"name": "王五", "id_number": "110101199003074515"}])))
    assert response.status_code == 400 and "校验位" in response.content.decode()
    assert counts() == before


def test_dispute_to_case_in_one_step_from_its_page(login, build):
    dispute = build.dispute()
    client = login("point_registrar")
    html = _html(client.get(f"/grassroots/disputes/{dispute.pk}/"))
    assert 'id="action-convert"' in html and 'id="action-resolve"' in html
    response = client.post(f"/grassroots/disputes/{dispute.pk}/convert/",
                           {"convert-matter_type": "claim", "convert-channel": "service_point",
                            "convert-title": "楼上漏水纠纷", "convert-content": ""})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    page = _html(client.get(response["Location"]))
    # The case page lists where it came from, linked for a user who may open the dispute.
    assert "调解和走访" in page and f'href="/grassroots/disputes/{dispute.pk}/"' in page
    assert "由基层工作转入" in page


def test_a_street_handler_cannot_convert_but_can_resolve(login, build):
    dispute = build.dispute()
    client = login("street_handler")
    html = _html(client.get(f"/grassroots/disputes/{dispute.pk}/"))
    assert 'id="action-convert"' not in html
    assert client.post(f"/grassroots/disputes/{dispute.pk}/convert/",
                       {"convert-matter_type": "claim", "convert-channel": "visit", "convert-title": "x"}
                       ).status_code == 403
    response = client.post(f"/grassroots/disputes/{dispute.pk}/resolve/", {"resolve-resolution": "经街道调处，双方和解。"})
    assert response.status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).status == Dispute.Status.RESOLVED


def test_joint_mediation_through_the_pages(login, build, units):
    dispute = build.dispute()
    client = login("point_registrar")
    html = _html(client.get(f"/grassroots/mediations/new/?dispute={dispute.pk}"))
    assert "楼上漏水纠纷" in html and "王五" in html
    participants = {"participants-TOTAL_FORMS": "4", "participants-INITIAL_FORMS": "0",
                    "participants-MIN_NUM_FORMS": "0", "participants-MAX_NUM_FORMS": "20"}
    rows = [("committee", "", "", ""), ("police_station", str(units["police"].pk), "", "李警官"),
            ("judicial_office", str(units["judicial"].pk), "", "陈所长"), ("law_firm", "", "上海明理律师事务所", "周律师")]
    for index, (kind, unit, organisation, mediator) in enumerate(rows):
        participants.update({f"participants-{index}-kind": kind, f"participants-{index}-unit": unit,
                             f"participants-{index}-organisation": organisation,
                             f"participants-{index}-mediator": mediator})
    form = {"kind": "joint", "title": "楼上漏水纠纷", "matter": "漏水", "started_on": "2026-11-20", "unit": "",
            "street": "", **participants, **_party_rows("parties", [])}
    response = client.post(f"/grassroots/mediations/new/?dispute={dispute.pk}", form)
    mediation = Mediation.objects.get()
    assert response.status_code == 302 and mediation.participants.count() == 3 and mediation.parties.count() == 2
    url = f"/grassroots/mediations/{mediation.pk}/"
    assert client.post(f"{url}conclude/", {"conclude-outcome": "no_agreement"}).status_code == 409
    assert client.post(f"{url}sessions/", {"session-held_at": "2026-11-20T09:00", "session-place": "调解室",
                                           "session-notes": "双方到场。"}).status_code == 302
    response = client.post(f"{url}conclude/", {"conclude-outcome": "agreement",
                                               "conclude-agreement_terms": "一、修复防水。\n二、赔偿二千元。",
                                               "conclude-performance": "现金", "conclude-performance_due": "2026-12-01",
                                               "conclude-referral_note": ""})
    assert response.status_code == 302
    html = _html(client.get(url))
    assert "人民调解协议书" in html and 'id="action-follow_up"' in html
    docx = client.get(f"{url}agreement.docx")
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "二、赔偿二千元。" in text and "江川路派出所" in text and VALID_ID not in text
    response = client.post(f"{url}follow-ups/", {"follow_up-visited_on": "2026-11-20", "follow_up-method": "home",
                                                 "follow_up-result": "performed", "follow_up-notes": ""})
    assert response.status_code == 302
    assert Mediation.objects.get().fulfilled_at is not None
    assert 'id="action-follow_up"' not in _html(client.get(url))


def test_a_mediation_form_refused_writes_nothing(login):
    client = login("point_registrar")
    before = counts()
    participants = {"participants-TOTAL_FORMS": "1", "participants-INITIAL_FORMS": "0",
                    "participants-MIN_NUM_FORMS": "0", "participants-MAX_NUM_FORMS": "20",
                    "participants-0-kind": "police_station", "participants-0-unit": "",
                    "participants-0-organisation": "某派出所", "participants-0-mediator": "李警官"}
    response = client.post("/grassroots/mediations/new/", {
        "kind": "joint", "title": "纠纷", "matter": "事实", "started_on": "2026-11-20", "unit": "", "street": "",
        **participants, **_party_rows("parties", [{"name": "甲"}, {"name": "乙", "role": "respondent"}])})
    assert response.status_code == 400
    assert "三所联动调解须有派出所、司法所和律师事务所共同参加。" in response.content.decode()
    assert counts() == before


def test_visit_with_finding_to_case_and_the_home_visit_from_the_case_page(login, build, people, units):
    client = login("street_handler")
    _html(client.get("/grassroots/visits/new/"))
    response = client.post("/grassroots/visits/new/", {
        "kind": "walk", "case_number": "", "visited_at": "2026-11-19T15:00", "place": "东风新村",
        "visitors": "李明", "summary": "走访居民。", "unit": "", "street": ""})
    visit = Visit.objects.get()
    assert response.status_code == 302
    url = f"/grassroots/visits/{visit.pk}/"
    response = client.post(f"{url}findings/", {"finding-title": "路灯损坏", "finding-description": "5号楼前路灯坏了。",
                                               "finding-category": "",
                                               **_party_rows("parties", [{"name": "孙七", "phone": PHONE}])})
    assert response.status_code == 302
    finding = visit.findings.get()
    html = _html(login("officer").get(url))
    assert "路灯损坏" in html and f'id="action-{finding.pk}"' in html and "138****5678" in html
    response = login("officer").post(f"/grassroots/visits/findings/{finding.pk}/convert/", {
        f"convert{finding.pk}-matter_type": "claim", f"convert{finding.pk}-channel": "visit",
        f"convert{finding.pk}-title": "路灯损坏", f"convert{finding.pk}-content": ""})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    # 上门办信 from the case page: the link carries the case, the form its number.
    from xinfang.cases import services as case_services

    routed = case_services.case_route(case=case, unit=units["street"], mode="transfer", actor=people["officer"])
    page = _html(client.get(f"/cases/{routed.pk}/"))
    assert f"/grassroots/visits/new/?case={routed.pk}" in page
    assert routed.number in _html(client.get(f"/grassroots/visits/new/?case={routed.pk}"))
    response = client.post(f"/grassroots/visits/new/?case={routed.pk}", {
        "kind": "home", "case_number": routed.number, "visited_at": "2026-11-20T09:00", "place": "信访人家中",
        "visitors": "李明", "summary": "上门听取诉求。", "unit": "", "street": ""})
    assert response.status_code == 302
    assert "上门办信" in _html(client.get(f"/cases/{routed.pk}/"))


def test_home_visit_with_an_unknown_case_number_is_refused(login):
    client = login("street_handler")
    before = counts()
    response = client.post("/grassroots/visits/new/", {
        "kind": "home", "case_number": "XF-2026-999999", "visited_at": "2026-11-20T09:00", "place": "家中",
        "visitors": "李明", "summary": "上门。", "unit": "", "street": ""})
    assert response.status_code == 400 and "未找到该信访事项。" in response.content.decode()
    assert counts() == before


def test_reception_day_through_the_pages(login, people, units):
    client = login("officer")
    _html(client.get("/grassroots/visits/receptions/new/"))
    response = client.post("/grassroots/visits/receptions/new/", {
        "leader": str(people["leader"].pk), "date": "2026-11-20", "starts_at": "09:00", "ends_at": "11:30",
        "place": "区信访接待大厅", "unit": str(units["bureau"].pk), "topic": "住房保障",
        "joint_units": [str(units["housing"].pk)]})
    day = ReceptionDay.objects.get()
    assert response.status_code == 302
    url = f"/grassroots/visits/receptions/{day.pk}/"
    html = _html(client.get(url))
    assert "区信访接待大厅" in html and "区房管局" in html and 'id="action-record"' in html
    response = client.post(f"{url}record/", {"record-matter": "反映加装电梯问题。", "record-response": "两周内答复。",
                                             "record-received_at": "",
                                             **_party_rows("persons", [{"name": "钱八", "id_number": VALID_ID}])})
    assert response.status_code == 302
    reception = day.receptions.get()
    response = client.post(f"/grassroots/visits/received/{reception.pk}/register/", {
        f"register{reception.pk}-matter_type": "claim", f"register{reception.pk}-title": "加装电梯",
        f"register{reception.pk}-category": ""})
    assert response.status_code == 302 and Case.objects.get().channel == "visit"
    assert "区信访接待大厅" in _html(client.get("/grassroots/visits/receptions/"))
    # Another unit's staff see the published schedule, not the people received.
    other = _html(login("street2_handler").get(url))
    assert "区信访接待大厅" in other and "钱八" not in other and "接待情况仅接访单位" in other


def test_service_point_page_lists_its_intake_disputes_and_mediations(login, build, people, units, categories):
    from tests.conftest import at
    from xinfang.cases.services import PetitionerInput, case_register

    case = case_register(actor=people["point_registrar"], channel="service_point", received_at=at("2026-11-19 10:00"),
                         matter_type="claim", title="服务站受理的来访", content="内容",
                         petitioners=[PetitionerInput(name="张三")]).case
    assert case.registered_unit == units["point"]
    build.dispute()
    build.mediation()
    client = login("point_registrar")
    html = _html(client.get("/grassroots/points/"))
    assert "东风居委家门口服务站" in html and "西湖居委家门口服务站" not in html
    html = _html(client.get(f"/grassroots/points/{units['point'].pk}/"))
    assert case.number in html and "楼上漏水纠纷" in html and "邻里漏水纠纷调解" in html
    assert client.get(f"/grassroots/points/{units['point2'].pk}/").status_code == 404


def test_pages_render_in_english(login, build):
    dispute = build.dispute()
    client = login("officer")
    response = client.get(f"/grassroots/disputes/{dispute.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and '<html lang="en">' in response.content.decode()
