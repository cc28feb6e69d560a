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
    record = Suggestion.objects.get(kind="category")
    assert record.accepted and record.chosen_category == categories["labour"] and "工资" in record.words
