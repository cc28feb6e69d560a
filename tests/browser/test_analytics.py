"""The overview in headless Chromium: the charts draw from the offline plotly.js under the CSP (a refused
script or style would be a console error, which fails the test), and a number opens its cases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.analytics.conftest import _clear_cache, wf  # noqa: F401 - the analytics fixtures
from tests.browser.conftest import screenshot
from tests.browser.test_journeys import sign_in
from tests.conftest import at
from xinfang.cases.models import Case
from xinfang.core.clock import clock_at

NOW = "2026-06-30 12:00"


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock_at(at(NOW)):
        yield


def test_the_overview_draws_its_charts_and_opens_the_cases(page: Any, wf, district):  # noqa: F811 - wf
    for i, street in enumerate(("street", "street2", "street", "street")):
        wf.register(f"2026-06-{i + 1:02d} 09:00", street=district[street], id_number="", phone=f"1390000010{i}",
                    channel=Case.Channel.ONLINE if i % 2 else Case.Channel.LETTER)
    sign_in(page, "leader")
    page.goto(f"{page.base}/analytics/")
    expect(page.locator("h1")).to_have_text("形势研判")
    for chart in ("chart-weekly", "chart-monthly", "chart-category", "chart-street", "chart-channel"):
        expect(page.locator(f"#{chart} svg.main-svg").first).to_be_visible()
    expect(page.locator("#h-top + div table")).to_be_visible()  # the htmx panel loaded
    screenshot(page, "analytics-overview", full_page=True)
    page.locator(".analytics-kpis a.kpi-value").first.click()
    page.wait_for_url("**/cases/list/**")
    expect(page.locator("body")).to_contain_text("2026-06-04")


def test_the_hotspots_page_loads_its_key_phrases_after_the_cells(page: Any, wf, district):  # noqa: F811 - wf
    for i in range(8):
        wf.register(f"2026-06-{i + 10:02d} 09:00", id_number="", phone=f"1390000020{i}")
    sign_in(page, "officer")
    page.goto(f"{page.base}/analytics/hotspots/")
    expect(page.locator("h1")).to_have_text("热点分析")
    panel = page.locator("#h-phrases + div")
    expect(panel.locator("table caption")).to_have_text("关键词")  # the htmx panel replaced its placeholder
    expect(panel.locator("tbody td.num a").first).to_be_visible()
    screenshot(page, "analytics-hotspots", full_page=True)
