"""Browser-test fixtures (a pytest plugin): Playwright with Debian's Chromium against
the live test server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_missing():
    return not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM))


@pytest.fixture(scope="session")
def browser():
    if _chromium_missing():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def browser_site(live_server, settings, reference_data):
    """The live server in demo mode, with links in texts pointing at it."""
    settings.SITE_URL = live_server.url
    settings.SMS_BACKEND = "database"
    settings.DEMO_MODE = True
    return live_server.url


@pytest.fixture
def page(browser, browser_site, request):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True
        )
    context.close()


def log_in_as_agent(page, site, language):
    """Log `page` in to the console as the test login "agent" (made with
    `make_staff("agent", ...)`), in `language`; returns when the console is open."""
    log_in_as(page, site, "agent", language)


def log_in_as(page, site, username, language):
    """Log `page` in to the console as a login made with `make_staff(username, ...)`
    (password "pw-" + username), in `language`; returns when the console is open."""
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": site}]
    )
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("input[type=submit]")
    page.wait_for_url(f"{site}/admin/")  # logged in before going on
