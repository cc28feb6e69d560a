"""Journey: the registrar types a petition, the suggested category appears with the words that drove it,
one click accepts it, and the registration records the accepted suggestion (issue 5, xinfang/nlp)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_journeys import fill_person, sign_in
from xinfang.nlp.models import Suggestion
from xinfang.nlp.selectors import classifier_forget


@pytest.fixture(autouse=True)
def _no_model(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    cache.clear()
    classifier_forget()


def test_registrar_accepts_the_suggested_category_with_one_click(page: Any, personas, categories):
    categories["labour"].keywords = "工资 社保 讨薪"
    categories["labour"].save(update_fields=["keywords"])
    sign_in(page, "registrar")
    page.goto(f"{page.base}/cases/new/")
    form = page.locator("#intake-form")
    form.get_by_label("标题", exact=True).fill("工地拖欠农民工工资")
    form.get_by_label("信访内容", exact=True).fill("江川路某工地老板拖欠工资半年，多次讨薪无果，请求帮助。")
    form.get_by_label("所属街道（镇）", exact=True).select_option(label="江川路街道")
    suggestion = page.locator("#category-suggestion")
    expect(suggestion).to_contain_text("建议分类：劳动和社会保障")
    expect(suggestion.locator(".chip").first).to_be_visible()
    expect(suggestion).to_contain_text("关键词")
    expect(page.locator("#suggested-unit")).to_contain_text("区人社局")
    # The petition fieldset with its suggestions, for the README and docs/nlp.md.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("fieldset", has=page.locator("#suggested-unit")).screenshot(
        path=str(SCREENSHOTS / "intake-suggestion.png"))
    suggestion.get_by_role("button", name="采用").click()
    expect(form.get_by_label("内容分类", exact=True)).to_have_value(str(categories["labour"].pk))
    expect(page.locator("#category-suggestion")).to_contain_text("已采用")
    fill_person(page.locator("#petitioners-rows"), 0, {"姓名": "赵六"})
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记，编号")
    # The case page loads its "相似信访" card after the page (htmx; the look-up indexes the new case):
    # let it finish, or the test database's teardown flush races its index write.
    page.wait_for_load_state("networkidle")
    record = Suggestion.objects.get(kind="category")
    assert record.accepted and record.chosen_category == categories["labour"] and "工资" in record.words


def test_officer_routes_ticked_cases_with_their_suggested_units(page: Any, personas, district, categories):
    """Bulk routing with suggestions: tick two cases on the list, open "按建议逐件转送…" (no "are you sure":
    it routes nothing), keep one suggestion, correct the other, route; the result says which was which."""
    from tests.conftest import at
    from xinfang.cases import services
    from xinfang.cases.models import Case

    made = []
    for title, category in (("公租房申请迟迟未审核", "housing"), ("公司拖欠工资", "labour")):
        made.append(services.case_register(
            actor=personas["registrar"], channel=Case.Channel.LETTER, received_at=at("2026-10-09 09:00"),
            matter_type=Case.MatterType.CLAIM, title=title, content=f"{title}，请有关部门帮助解决。",
            petitioners=[services.PetitionerInput(name="赵六", address="江川路1号")],
            category=categories[category], street=district["street"], force_new=True).case)
    sign_in(page, "officer")
    page.goto(f"{page.base}/cases/list/")
    for case in made:
        page.get_by_label(f"选择 {case.number}").check()
    page.get_by_role("button", name="按建议逐件转送…").click()
    expect(page.locator("h1")).to_have_text("按建议转送交办")
    housing_row = page.locator(f"tr[data-case='{made[0].pk}']")
    labour_row = page.locator(f"tr[data-case='{made[1].pk}']")
    expect(housing_row).to_contain_text("区房管局")
    expect(labour_row.get_by_label(f"{made[1].number} 转送交办至")).to_have_value("MH-RSJ")
    labour_row.get_by_label(f"{made[1].number} 转送交办至").select_option("MH-JCL")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="转送交办", exact=True).click()
    expect(page.locator("[role=status]")).to_contain_text("成功 2 件")
    expect(page.locator(".card")).to_contain_text("采用建议 1 件，更正建议 1 件")
    records = {s.case_id: s.accepted for s in Suggestion.objects.filter(kind="unit")}
    assert records == {made[0].pk: True, made[1].pk: False}
