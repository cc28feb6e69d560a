"""Issue 6 in headless Chromium: grassroots work (docs/grassroots.md).

1. A registrar at a neighbourhood service point (家门口服务点) records a dispute found by screening, starts a
   mediation from it with the three offices (三所联动: police station, judicial office, law firm), records a
   session, concludes it with an agreement and downloads the 人民调解协议书 (.docx).
2. A street handler records a visit (走访) with a finding; the bureau officer turns the finding into a case
   in one step (a handler has no right to register cases: cases.register_case), and the case page shows
   where it came from.

The clock is frozen so that dates and screenshots stay the same from run to run.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from docx import Document
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.test_journeys import sign_in
from tests.conftest import VALID_ID, at
from xinfang.accounts.models import Unit, User
from xinfang.accounts.services import unit_create, user_create
from xinfang.cases.models import Case, CaseEvent
from xinfang.core.clock import clock_at
from xinfang.grassroots.models import Dispute, Mediation, Visit, VisitFinding

NOW = "2026-11-20 10:00"  # a Friday
DISPUTE = "东风新村楼上漏水纠纷"
TERMS = "一、楼上住户于十日内修复卫生间防水。\n二、楼上住户赔偿楼下住户装修损失人民币二千元。"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock_at(at(NOW)):
        yield


@pytest.fixture
def grassroots(district: dict[str, Unit], personas: dict[str, User]) -> dict[str, Any]:
    """A service point under 江川路街道 with its registrar, and the police station and judicial office."""
    neighbourhood = unit_create(code="MH-JCL-01", name="东风居委", kind=Unit.Kind.NEIGHBOURHOOD,
                                parent=district["street"])
    point = unit_create(code="MH-JCL-01-FW", name="东风居委家门口服务站", kind=Unit.Kind.SERVICE_POINT,
                        parent=neighbourhood)
    police = unit_create(code="MH-GA-JCL", name="江川路派出所", kind=Unit.Kind.POLITICS_LAW, parent=district["gov"])
    judicial = unit_create(code="MH-SFJ-JCL", name="江川路司法所", kind=Unit.Kind.POLITICS_LAW, parent=district["gov"])
    registrar = user_create(username="point", role=User.Role.REGISTRAR, unit=point, password=PASSWORD)
    return {"point": point, "police": police, "judicial": judicial, "registrar": registrar}


def row(page: Any, title: str) -> Any:
    """One row of a formset: the fieldset whose legend is ``title`` (e.g. "当事人 1")."""
    return page.locator(f'fieldset:has(> legend:text-is("{title}"))')


def act(page: Any, anchor: str) -> Any:
    """Open the collapsible action ``anchor`` of a record's page; answers its form."""
    action = page.locator(f"#action-{anchor}")
    action.locator("summary").click()
    return action


def test_a_service_point_records_a_dispute_and_mediates_it_with_the_three_offices(page, grassroots):
    sign_in(page, "point")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="矛盾纠纷").click()
    page.get_by_role("link", name="登记矛盾纠纷").click()
    page.get_by_label("纠纷名称", exact=True).fill(DISPUTE)
    page.get_by_label("纠纷情况", exact=True).fill("东风新村5号楼502室卫生间漏水，楼下402室天花板受损，双方多次争吵。")
    page.get_by_label("风险等级", exact=True).select_option(label="较大")
    page.get_by_label("来源", exact=True).select_option(label="排查发现")
    page.get_by_label("发现日期", exact=True).fill("2026-11-18")
    first, second = row(page, "当事人 1"), row(page, "当事人 2")
    first.get_by_label("姓名（名称）", exact=True).fill("王五")
    first.get_by_label("身份证号", exact=True).fill(VALID_ID)
    first.get_by_label("电话", exact=True).fill("13812345678")
    second.get_by_label("当事人身份", exact=True).select_option(label="被申请人")
    second.get_by_label("姓名（名称）", exact=True).fill("赵六")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".case-head h1")).to_have_text(DISPUTE)
    # Personal data is shown masked.
    expect(page.locator("main")).to_contain_text("138****5678")
    expect(page.locator("main")).not_to_contain_text(VALID_ID)
    dispute = Dispute.objects.get(title=DISPUTE)
    assert (dispute.unit, dispute.parties.count()) == (grassroots["point"], 2)

    # A joint mediation (三所联动) from the dispute: the parties come with it.
    page.get_by_role("link", name="开始调解").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记调解")
    page.get_by_label("三所联动调解", exact=True).check()
    page.get_by_label("调解事项", exact=True).fill(DISPUTE)
    page.get_by_label("纠纷事实和争议事项", exact=True).fill("楼上漏水致楼下装修受损，双方就修复和赔偿发生争议。")
    # Today, already there (an ISO date: the only form <input type="date"> shows).
    expect(page.get_by_label("受理日期", exact=True)).to_have_value("2026-11-20")
    police, judicial, law_firm = (row(page, f"参与调解单位和调解员 {n}") for n in (2, 3, 4))
    police.get_by_label("本区单位", exact=True).select_option(label="江川路派出所")
    police.get_by_label("调解员", exact=True).fill("李警官")
    # A refused form keeps what was typed and says why: the three offices must all take part.
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("main")).to_contain_text("三所联动调解须有派出所、司法所和律师事务所共同参加。")
    assert not Mediation.objects.exists()
    police, judicial, law_firm = (row(page, f"参与调解单位和调解员 {n}") for n in (2, 3, 4))
    expect(police.get_by_label("调解员", exact=True)).to_have_value("李警官")
    judicial.get_by_label("本区单位", exact=True).select_option(label="江川路司法所")
    judicial.get_by_label("调解员", exact=True).fill("陈所长")
    law_firm.get_by_label("参与单位", exact=True).fill("上海明理律师事务所")
    law_firm.get_by_label("调解员", exact=True).fill("周律师")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".case-head h1")).to_have_text(DISPUTE)
    participants = page.locator("section[aria-labelledby=h-participants]")
    for name in ("江川路派出所", "江川路司法所", "上海明理律师事务所"):
        expect(participants).to_contain_text(name)

    # A session, then the agreement.
    session = act(page, "session")
    session.get_by_label("调解时间", exact=True).fill("2026-11-20T09:00")
    session.get_by_label("调解地点", exact=True).fill("东风居委调解室")
    session.get_by_label("调解记录", exact=True).fill("双方到场，派出所民警、司法所和律师参加，经释法说理，双方同意修复并赔偿。")
    session.get_by_role("button", name="记录调解", exact=True).click()
    expect(page.locator("section[aria-labelledby=h-sessions]")).to_contain_text("东风居委调解室")
    conclude = act(page, "conclude")
    conclude.get_by_label("达成调解协议", exact=True).check()
    conclude.get_by_label("协议内容", exact=True).fill(TERMS)
    conclude.get_by_label("履行方式和期限", exact=True).fill("十日内修复，赔偿款当场付清")
    conclude.get_by_label("履行期限", exact=True).fill("2026-11-30")
    conclude.get_by_role("button", name="终结调解", exact=True).click()
    expect(page.locator("section[aria-labelledby=h-outcome]")).to_contain_text("达成调解协议")
    screenshot(page, "grassroots-mediation")

    with page.expect_download() as info:
        page.get_by_role("link", name="人民调解协议书").click()
    download = info.value
    assert download.suggested_filename.endswith(".docx")
    with open(download.path(), "rb") as handle:
        text = "\n".join(p.text for p in Document(io.BytesIO(handle.read())).paragraphs)
    assert "二、楼上住户赔偿楼下住户装修损失人民币二千元。" in text
    assert "江川路派出所" in text and "江川路司法所" in text and "上海明理律师事务所" in text
    assert VALID_ID not in text

    mediation = Mediation.objects.get()
    assert (mediation.kind, mediation.outcome, mediation.dispute) == (Mediation.Kind.JOINT,
                                                                     Mediation.Outcome.AGREEMENT, dispute)
    assert mediation.sessions.count() == 1 and mediation.parties.count() == 2

    # The service point's page lists the dispute and the mediation.
    page.goto(f"{page.base}/grassroots/points/{grassroots['point'].pk}/")
    expect(page.locator("main")).to_contain_text(DISPUTE)


def test_a_visit_finding_becomes_a_case_in_one_step(page, personas):
    sign_in(page, "street")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="走访接访").click()
    page.get_by_role("link", name="登记走访").click()
    page.get_by_label("走访", exact=True).check()
    page.get_by_label("地点", exact=True).fill("东风新村")
    page.get_by_label("走访情况", exact=True).fill("走访东风新村居民，了解小区公共设施情况。")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator("section[aria-labelledby=h-findings]")).to_be_visible()
    visit = Visit.objects.get()
    assert (visit.kind, visit.recorded_by) == (Visit.Kind.WALK, personas["street_handler"])

    finding = act(page, "finding")
    finding.get_by_label("问题", exact=True).fill("5号楼前路灯损坏")
    finding.get_by_label("问题情况", exact=True).fill("5号楼前路灯坏了一个多月，老人夜间出行不便。")
    reporter = row(page, "反映人 1")
    reporter.get_by_label("姓名（名称）", exact=True).fill("孙七")
    reporter.get_by_label("电话", exact=True).fill("13812345678")
    finding.get_by_role("button", name="登记发现的问题", exact=True).click()
    expect(page.locator("section[aria-labelledby=h-findings]")).to_contain_text("5号楼前路灯损坏")
    item = VisitFinding.objects.get()
    # The handler cannot register a case (cases.register_case): no conversion offered.
    expect(page.locator(f"#action-{item.pk}")).to_have_count(0)
    visit_url = page.url

    # The bureau officer turns it into a case in one step.
    sign_in(page, "officer")
    page.goto(visit_url)
    convert = act(page, str(item.pk))
    expect(convert.get_by_label("标题", exact=True)).to_have_value("5号楼前路灯损坏")
    convert.get_by_label("事项类型", exact=True).select_option(label="申诉求决")
    convert.get_by_role("button", name="转为信访事项", exact=True).click()
    expect(page.locator(".case-head h1")).to_have_text("5号楼前路灯损坏")
    case = Case.objects.get()
    assert (case.channel, case.status) == (Case.Channel.VISIT, Case.Status.REGISTERED)
    assert CaseEvent.objects.filter(case=case, action="grassroots_origin").exists()
    expect(page.locator("ol.timeline")).to_contain_text("由基层工作转入")
    expect(page.locator(f'main a[href="/grassroots/visits/{visit.pk}/"]').first).to_be_visible()
    screenshot(page, "grassroots-visit-case")
    item.refresh_from_db()
    assert item.case == case

    # Back on the visit, the finding now names its case.
    page.goto(visit_url)
    findings = page.locator("section[aria-labelledby=h-findings]")
    expect(findings.get_by_role("link", name=case.number)).to_be_visible()
