"""/api/v1/docs/ in Chromium: Swagger UI renders the schema from this server alone (drf-spectacular-sidecar's
assets, a static start-up script) under the CSP, with no console error and no request leaving the server
(the ``page`` fixture fails on either), and "Try it out" works with the session."""

from __future__ import annotations

from tests.browser.conftest import login, screenshot


def test_api_docs_render_offline_under_the_csp(page, personas):
    page.goto(f"{page.base}/api/v1/docs/")
    page.wait_for_url("**/accounts/login/**")  # signed-in staff only
    login(page, "officer")
    page.goto(f"{page.base}/api/v1/docs/")
    # Swagger UI renders the operations in batches: wait for them all (a large schema takes a moment).
    page.wait_for_function("document.querySelectorAll('#swagger-ui .opblock').length >= 18")
    assert page.locator("#swagger-ui .opblock").count() >= 18
    assert page.locator("#swagger-ui .info .title").inner_text().startswith("xinfang API")
    screenshot(page, "api-docs", full_page=False)

    operation = page.locator("#operations-units-units_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    page.wait_for_selector("#operations-units-units_list .live-responses-table tbody .response-col_status")
    assert operation.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
