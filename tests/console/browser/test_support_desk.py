"""The support desk as two agents and a supervisor use it, in Chinese and in
English: search by part of a reference and by the masked mobile, the customer's
page, the other agent on the filing, the warning before a second resend, asking a
supervisor, the approval, and copying the suggested answer."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from console.models import AnswerScriptUse, Escalation
from filings.privacy import mask_mobile
from tests.browser import log_in_as
from tests.console.conftest import make_staff
from tests.verification.helpers import submitted_filing, verify_person
from verification.models import Verification

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "zh-hans": {
        "present": "也打开了这个备案",
        "approved": "已通过",
        "copied": "已复制",
    },
    "en": {
        "present": "also has this filing open now",
        "approved": "Approved",
        "copied": "Copied",
    },
}


def logged_in(browser, site, username, language):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    page = context.new_page()
    log_in_as(page, site, username, language)
    return page


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_two_agents_and_a_supervisor_on_one_filing(
    browser, browser_site, reference_data, language
):
    words = WORDS[language]
    make_staff("agent", "Support agent")
    make_staff("wang", "Support agent")
    make_staff("boss", "Supervisor")
    call_command("add_standard_answers", verbosity=0)
    filing, leader, _ = submitted_filing()
    for _ in range(4):
        verify_person(filing, leader, "000000")  # one failure from the limit
    filing_url = f"{browser_site}/admin/filings/filingapplication/{filing.pk}/change/"

    colleague = logged_in(browser, browser_site, "wang", language)
    colleague.goto(filing_url)  # wang is on the filing

    agent = logged_in(browser, browser_site, "agent", language)
    # search by part of the reference, in another case
    part = filing.reference[-5:].lower()
    agent.fill("#desk-search-box", part)
    agent.press("#desk-search-box", "Enter")
    expect(agent.locator(f"tr[data-filing='{filing.reference}']")).to_have_count(1)
    # by the mobile as the screen shows it, then the person's own page
    agent.fill("#desk-search-box", mask_mobile(leader.mobile))
    agent.press("#desk-search-box", "Enter")
    agent.locator("table.search-people a").first.click()
    expect(agent.locator(f"text={filing.reference}").first).to_be_visible()
    assert leader.mobile not in agent.content()  # masked on the customer's page

    agent.goto(filing_url)
    expect(agent.locator("#presence")).to_contain_text(words["present"])
    expect(agent.locator("#presence")).to_contain_text("wang")

    # a second resend: the console warns first and sends nothing unasked
    before = Verification.objects.get(filing=filing, mobile=leader.mobile)
    agent.click("button[name='CHANGE_FORM-action'][value=resend_code]")
    expect(agent.locator(".collision-warning")).to_contain_text("wang")
    agent.fill("textarea[name=reason]", "customer says the text is gone")
    agent.click("input[type=submit].default")
    expect(agent.locator(".errornote, .errorlist").first).to_be_visible()
    after = Verification.objects.get(pk=before.pk)
    assert after.code_issued_at == before.code_issued_at
    agent.goto(filing_url)

    # ask a supervisor for what the agent's role lacks
    agent.locator("#ask-mark_verified summary").click()
    agent.fill("#ask-reason-mark_verified", "identity confirmed on a video call")
    agent.click("#ask-send-mark_verified")
    expect(agent.locator(".messagelist .success")).to_have_count(1)
    request = Escalation.objects.get()

    supervisor = logged_in(browser, browser_site, "boss", language)
    supervisor.goto(f"{browser_site}/admin/queue/")
    supervisor.locator("p.requests-waiting a").first.click()
    expect(supervisor.locator(f"[data-escalation='{request.pk}']")).to_contain_text(
        "identity confirmed on a video call"
    )
    supervisor.click(f"#approve-{request.pk}")
    expect(supervisor.locator(".messagelist .success")).to_have_count(1)
    assert Escalation.objects.get().status == "approved"

    agent.goto(f"{browser_site}/admin/queue/")
    expect(agent.locator("section.my-requests")).to_contain_text(words["approved"])

    # the suggested answer, copied for the call
    agent.goto(filing_url)
    copy = agent.locator("button.copy-answer").first
    expect(copy).to_be_visible()
    copy.click()
    expect(copy).to_have_text(words["copied"])
    clipboard = agent.evaluate("navigator.clipboard.readText()")
    assert re.search(r"\w", clipboard)
    for _ in range(50):  # the use is counted by a request after the copy
        if AnswerScriptUse.objects.exists():
            break
        agent.wait_for_timeout(100)
    assert AnswerScriptUse.objects.filter(filing=filing).count() == 1
    for page in (agent, colleague, supervisor):
        page.context.close()
