"""Issue 6 in headless Chromium: a leader works a backlog case from assignment to 案结事了.

The officer finds the case on the backlog register and assigns the leader in charge; the leader finds it
under 我的包案, forms the team, writes the plan, sets a milestone and marks it done, records a hearing, files
the hearing record, closes the case as 案结事了 and arranges after-care; the case page's timeline shows every
step in words. The clock is frozen so that dates and screenshots stay the same from run to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in
from tests.conftest import at
from xinfang.cases import services as case_services
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at
from xinfang.governance import services
from xinfang.governance.models import BacklogEntry

NOW = "2026-11-20 10:00"  # a Friday
TITLE = "老旧小区加装电梯补贴长期未落实"
PLAN = ("由区领导牵头，区房管局、江川路街道组成专班：一是核实补贴政策和申请材料；二是召开听证会听取各方意见；"
        "三是十五个工作日内兑现补贴。")
HEARING = "举行听证，信访人、区房管局、街道和律师到场，一致同意按新政策核定补贴。"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock_at(at(NOW)):
        yield


def act(page: Any, name: str, *, fill: dict[str, str] | None = None, check: tuple[str, ...] = (),
        select: dict[str, str] | None = None, submit: str, done: str) -> None:
    """Open the action ``name`` of the entry page, fill it by its labels, submit, wait for the message."""
    action = page.locator(f"#action-{name}")
    action.locator("summary").click()
    for label, value in (select or {}).items():
        action.get_by_label(label, exact=True).select_option(label=value)
    for label in check:
        action.get_by_label(label, exact=True).check()
    for label, value in (fill or {}).items():
        action.get_by_label(label, exact=True).fill(value)
    action.get_by_role("button", name=submit, exact=True).click()
    expect(page.locator(".messages")).to_contain_text(done)


def test_a_leader_works_a_backlog_case_from_assignment_to_resolved(page, personas, district, categories, tmp_path):
    case = case_services.case_register(
        actor=personas["registrar"], channel=Case.Channel.VISIT, received_at=at("2026-07-01 09:00"),
        matter_type=Case.MatterType.CLAIM, title=TITLE,
        content="江川路某小区加装电梯后，申请的补贴一直没有发放，多次反映无果。",
        petitioners=[case_services.PetitionerInput(name="王五", id_number="", phone="")],
        category=categories["housing"], street=district["street"], force_new=True).case
    case_services.case_route(case=case, unit=district["housing"], mode=Case.RouteMode.ASSIGN,
                             actor=personas["officer"])
    case_services.case_accept(case=case, actor=personas["handler"])
    services.backlog_register(case=case, actor=personas["officer"], reason="信访人多次反映，补贴长期未落实。")

    # The officer finds it on the register (no leader yet) and assigns the leader in charge.
    sign_in(page, "officer")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="积案台账").click()
    row = page.locator("table.backlog tbody tr", has_text=TITLE)
    expect(row).to_contain_text("待确定")
    row.get_by_role("link", name=case.number).click()
    expect(page.locator(".case-head h1")).to_have_text(TITLE)
    act(page, "leader", select={"包案领导": "leader（闵行区委区政府）"}, fill={"说明": "请牵头化解。"},
        submit="指定包案领导", done="包案领导已确定。")
    expect(page.locator("#backlog-leader")).to_have_text("leader")

    # The leader finds it under 我的包案.
    sign_in(page, "leader")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的包案").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我包案的积案")
    page.locator("table.backlog tbody tr", has_text=TITLE).get_by_role("link", name=case.number).click()
    entry_url = page.url

    act(page, "team", check=("handler（区房管局 · 承办单位经办人）", "officer（区信访办 · 信访办经办人）"),
        submit="组建专班", done="专班成员已更新。")
    act(page, "plan", fill={"化解方案": PLAN}, submit="化解方案", done="化解方案已保存。")
    act(page, "milestone", fill={"工作节点": "召开听证会", "完成期限": "2026-11-27"},
        submit="增加工作节点", done="工作节点已增加。")
    # A refused step keeps what was typed and says why (a date in the past).
    action = page.locator("#action-milestone")
    action.locator("summary").click()
    action.get_by_label("工作节点", exact=True).fill("补充材料")
    action.get_by_label("完成期限", exact=True).fill("2026-11-01")
    action.get_by_role("button", name="增加工作节点", exact=True).click()
    expect(page.locator("#action-milestone")).to_contain_text("期限不能早于2026-11-20")
    expect(page.locator("#action-milestone").get_by_label("工作节点", exact=True)).to_have_value("补充材料")

    page.goto(entry_url)
    act(page, "note", check=("听证",), fill={"参加人员": "信访人、区房管局、街道、律师", "内容": HEARING},
        submit="记录进展、会商或听证", done="记录已保存。")
    milestones = page.locator("table.milestones")
    milestones.get_by_label("完成情况", exact=True).fill("听证已举行")
    milestones.get_by_role("button", name="标记完成 召开听证会").click()
    expect(page.locator(".messages")).to_contain_text("工作节点已完成。")
    expect(page.locator("table.milestones")).to_contain_text("已完成")

    record = tmp_path / "听证笔录.pdf"
    record.write_bytes(b"%PDF-1.4\n% hearing record\n")
    action = page.locator("#action-file")
    action.locator("summary").click()
    action.get_by_label("材料", exact=True).set_input_files(str(record))
    action.get_by_role("button", name="上传材料", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("材料已归档。")
    expect(page.locator("ul.documents")).to_contain_text("听证笔录.pdf")

    act(page, "close", check=("案结事了",), fill={"化解情况": "补贴已按新政策核定发放，信访人签字确认，表示不再信访。"},
        submit="化解办结", done="积案已化解办结。")
    expect(page.locator("#backlog-outcome")).to_have_text("案结事了")
    expect(page.locator("#action-close")).to_have_count(0)
    # After-care goes on after closure (Art. 37).
    act(page, "aftercare", check=("疏导",), fill={"帮扶内容": "三个月内每月回访一次"},
        select={"责任人": "handler（区房管局）"}, submit="安排疏导帮扶救助", done="帮扶任务已安排。")
    screenshot(page, "backlog-entry")

    entry = BacklogEntry.objects.get(case=case)
    assert entry.outcome == BacklogEntry.Outcome.RESOLVED and entry.leader == personas["leader"]
    assert entry.plan == PLAN and entry.team_members.count() == 2

    # The case page: the panel and every step of the timeline in words.
    page.locator(".case-head").get_by_role("link", name=case.number).click()
    expect(page.locator("#governance")).to_contain_text("案结事了")
    timeline = page.locator("ol.timeline")
    for label in ("列入积案台账", "确定包案领导", "调整化解专班", "制定化解方案", "增加工作节点", "听证", "完成工作节点",
                  "积案化解办结", "安排疏导帮扶救助"):
        expect(timeline).to_contain_text(label)

    # The register's stock and flow shows it closed in the period.
    page.goto(f"{page.base}/governance/backlog/stats/?date_from=2026-11-01&date_to=2026-11-30")
    row = page.locator("table.stock-flow tbody tr", has_text="区房管局")
    expect(row.locator("td").nth(2)).to_have_text("1")  # 案结事了
    screenshot(page, "backlog-stock-flow")
