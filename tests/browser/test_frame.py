"""The frame of every page in Chromium: login, language switch, keyboard focus, logout."""

from __future__ import annotations

from tests.browser.conftest import login, screenshot


def test_login_switch_language_and_logout(page, personas):
    page.goto(f"{page.base}/accounts/login/")
    screenshot(page, "login")
    # Keyboard only: the cursor starts in the username, Tab moves on to the password.
    assert page.evaluate("document.activeElement.id") == "id_username"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_password"
    login(page, "officer")
    assert "/accounts/login/" not in page.url
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/accounts/login/")


def test_wrong_password_shows_the_message_next_to_the_form(page, personas):
    login(page, "officer", "wrong-password-123")
    assert page.locator(".form-errors").is_visible()
    assert page.get_by_label("用户名").input_value() == "officer"
