"""The date pickers of the dashboard's funnel and of the team report open: the
admin's core script they need is on both pages, and no script fails."""

import pytest
from playwright.sync_api import expect

from tests.browser import log_in_as
from tests.console.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("path", ["/admin/", "/admin/team/"])
def test_the_calendar_opens_without_a_script_error(
    browser, browser_site, reference_data, path
):
    make_staff("boss", "Supervisor")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in_as(page, browser_site, "boss", "en")
    page.goto(f"{browser_site}{path}")
    page.locator("[id^=calendarlink]").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    assert errors == []
    context.close()
