"""A trainee's exercise in a real browser: build a scenario in one click, read the
call and the question, work the filing in the console, come back and find it marked
handled; then ask for the answer. In Chinese and in English."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo import gateway
from demo.models import TrainingRun
from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {
        "title": "The customer never got the text",
        "question": "What became of the text, and how do you handle the call?",
        "macro": "Customer never got the text",
        "undelivered": "not delivered to the phone",
        "handled": "Handled as expected.",
        "answer": "The gateway took the text",
        "show": "Show the answer",
    },
    "zh-hans": {
        "title": "客户从未收到短信",
        "question": "这条短信怎么了？你如何处理这通电话？",
        "macro": "客户没收到短信",
        "undelivered": "未送达手机",
        "handled": "已按预期处理。",
        "answer": "网关接收了短信",
        "show": "查看答案",
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_trainees_exercise(page, browser_site, settings, language):
    settings.SMS_BACKEND = gateway.PATH
    words = WORDS[language]
    make_staff("agent", "Support agent")
    call_command("add_standard_macros", verbosity=0)
    log_in_as_agent(page, browser_site, language)
    page.click('a[href="/demo/training/"]')

    row = page.locator("tr", has_text=words["title"])
    row.locator("button").click()
    expect(page.locator(".question")).to_have_text(words["question"])
    run = TrainingRun.objects.get()
    page.locator("a.button", has_text=run.filing.reference).click()

    expect(page.locator(".timeline-list")).to_contain_text(words["undelivered"])
    page.locator(".macro-list button", has_text=words["macro"]).click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(words["macro"])

    page.goto(f"{browser_site}/demo/training/{run.pk}/")
    expect(page.locator(".handled")).to_have_text(words["handled"])
    expect(page.locator("ol.done li")).to_have_count(4)
    page.get_by_role("button", name=words["show"]).click()
    expect(page.locator(".answer")).to_contain_text(words["answer"])
    run.refresh_from_db()
    assert run.answer_shown_at is not None
