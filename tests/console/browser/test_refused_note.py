"""A note the console refuses comes back in its box (it once wiped what the agent had
typed), kept in the browser tab only; an added note leaves the box empty."""

import pytest
from playwright.sync_api import expect

from console.models import Escalation, Note
from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db(transaction=True)


def agents_filing_page_on_a_phone(browser, site, language):
    """A new filing's page, open for the agent at 360 px: (filing, page)."""
    make_staff("agent", "Support agent")
    filing, _, _ = submitted_filing()
    page = browser.new_context(viewport={"width": 360, "height": 800}).new_page()
    log_in_as_agent(page, site, language)
    page.goto(f"{site}/admin/filings/filingapplication/{filing.pk}/change/")
    return filing, page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_refused_note_is_there_to_correct(
    browser, browser_site, reference_data, language
):
    filing, page = agents_filing_page_on_a_phone(browser, browser_site, language)
    typed = "客户说 13812345678 收不到短信，明早再打"
    page.fill("#note_text", typed)
    page.click("#add-note")
    expect(page.locator(".messagelist .error")).to_have_count(1)
    expect(page.locator("#note_text")).to_have_value(typed)
    assert not Note.objects.filter(filing=filing).exists()
    # corrected, it is added, and the box is empty after
    page.fill("#note_text", "客户说 138****5678 收不到短信，明早再打")
    page.click("#add-note")
    expect(page.locator(".messagelist .success")).to_have_count(1)
    expect(page.locator("#note_text")).to_have_value("")
    assert Note.objects.filter(filing=filing).count() == 1
    # nothing of it was kept on the server side
    page.reload()
    expect(page.locator("#note_text")).to_have_value("")
    page.context.close()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_refused_request_to_a_supervisor_is_there_to_correct(
    browser, browser_site, reference_data, language
):
    filing, page = agents_filing_page_on_a_phone(browser, browser_site, language)
    page.locator("#ask-cancel summary").click()
    typed = "客户 13812345678 要求撤回"
    page.fill("#ask-reason-cancel", typed)
    page.click("#ask-send-cancel")
    expect(page.locator(".messagelist .error")).to_have_count(1)
    expect(page.locator("#ask-cancel")).to_have_attribute("open", "")
    expect(page.locator("#ask-reason-cancel")).to_have_value(typed)
    assert not Escalation.objects.exists()
    page.context.close()
