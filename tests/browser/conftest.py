"""Browser tests: the real pages in Debian's headless Chromium through Playwright (issue 3, "Quality").

Playwright's own browser download is never used: the browser is ``/usr/bin/chromium`` (``.ci/run`` installs
it), or ``XINFANG_CHROMIUM``. Without it these tests skip on a workstation and FAIL under ``CI=true``.
Screenshots of the main pages go to ``docs/screenshots/`` (shown in the README).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still plain
# synchronous code, so Django's async-safety guard must be told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("XINFANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct-horse-battery"  # tests/conftest.py personas


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the lock file installs it
        _missing("playwright is not installed")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@contextmanager
def _watched_page(browser: Any, live_server: Any, **options: Any) -> Iterator[Any]:
    """A page in a fresh browser context in Chinese, failing the test on any console error or any request
    that leaves the live server (nothing may load from the internet)."""
    context = browser.new_context(locale="zh-CN", **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: Any) -> None:
        # A form answered 400 with its errors is logged by Chromium as a failed resource; failed
        # sub-resources are caught below instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    def on_response(response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400 \
                and not response.request.headers.get("hx-request"):
            problems.append(f"{response.status} for {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("response", on_response)
    page.on("request", lambda r: problems.append(f"outside request: {r.url}")
            if not r.url.startswith((live_server.url, "data:", "blob:")) else None)
    page.base = live_server.url
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context in Chinese, 1280×860, failing the test on any console error or any request
    that leaves the live server (nothing may load from the internet)."""
    with _watched_page(browser, live_server, viewport={"width": 1280, "height": 860}) as page:
        yield page


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """Like ``page``, in a second context the size of a phone (390×844, touch): the public portal."""
    with _watched_page(browser, live_server, viewport={"width": 390, "height": 844}, is_mobile=True,
                       has_touch=True) as page:
        yield page


def login(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{page.base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
