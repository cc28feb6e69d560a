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
    # Swagger UI renders a large schema's operations as the page scrolls: scroll down until the units
    # operation used below is there. (Polled from here: a wait_for_function string would be an eval, which
    # the page's CSP refuses.)
    page.wait_for_selector("#swagger-ui .opblock")
    assert page.locator("#swagger-ui .info .title").inner_text().startswith("xinfang API")
    screenshot(page, "api-docs", full_page=False)
    for _ in range(60):
        if page.locator("#operations-units-units_list").count():
            break
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(150)
    # Operations from the first tag (alerts) to one far down (units) have rendered.
    assert page.locator("#operations-units-units_list").count() == 1
    assert page.locator("#swagger-ui .info .title").inner_text().startswith("xinfang API")

    operation = page.locator("#operations-units-units_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    page.wait_for_selector("#operations-units-units_list .live-responses-table tbody .response-col_status")
    assert operation.locator(".live-responses-table tbody .response-col_status").first.inner_text().strip() == "200"
