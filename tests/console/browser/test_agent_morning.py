"""An agent's morning in a real browser: the work queue shows a filing about to
expire and why; the agent claims it, writes a note, runs a macro, sets a follow-up and
finds the whole story on the filing's timeline. In Chinese and in English."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from console.models import Case, FollowUp, Note
from infra.times import BEIJING
from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff
from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {
        "reason": "Deadline in 1 h ",
        "claimed": "You have this filing now.",
        "owner": "Support agent agent has this filing.",
        "macro": "Customer never got the text",
        "timeline": [
            "Support agent agent took the filing (“I have this”)",
            "Internal note by Support agent agent",
            "The customer says the code never came; will try again",
            "Support agent agent ran the macro “Customer never got the text”",
            "Support agent agent sent Entity leader",
            "Internal note by Support agent agent, from the macro “Customer never "
            "got the text”",
            "Support agent agent set a follow-up for {when}: “check they verified”",
        ],
    },
    "zh-hans": {
        "reason": "距截止还有 1小时",
        "claimed": "现在由您处理此备案。",
        "owner": "客服专员 agent 正在处理此备案。",
        "macro": "客户没收到短信",
        "timeline": [
            "客服专员 agent 接手了此备案（“我来处理”）",
            "客服专员 agent 的内部备注",
            "The customer says the code never came; will try again",
            "客服专员 agent 执行了快捷操作“客户没收到短信”",
            "客服专员 agent 的内部备注，来自快捷操作“客户没收到短信”",
            "客服专员 agent 设置了 {when} 的跟进：“check they verified”",
        ],
    },
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_agents_morning(page, browser_site, reference_data, language):
    words = WORDS[language]
    make_staff("agent", "Support agent")
    call_command("add_standard_macros", verbosity=0)
    # about to expire: submitted 22 h 55 min ago under the 24-hour policy
    filing, leader, _ = submitted_filing(
        now=timezone.now() - datetime.timedelta(hours=22, minutes=55)
    )
    submitted_filing()  # far from its deadline: not in the queue
    codes_before = SmsMessage.objects.filter(
        filing=filing, kind=SmsKind.VERIFICATION_CODE
    ).count()

    log_in_as_agent(page, browser_site, language)
    page.click(".queue-links a.default")
    page.wait_for_url(f"{browser_site}/admin/queue/")

    rows = page.locator(".queue-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(filing.reference)
    expect(rows.first.locator("ul.reasons")).to_contain_text(words["reason"])
    rows.first.locator("th a").click()

    page.click("#claim")
    expect(page.locator("ul.messagelist li.success")).to_have_text(words["claimed"])
    expect(page.locator(".case-owner .owner")).to_have_text(words["owner"])

    page.fill("#note_text", "The customer says the code never came; will try again")
    page.click("#add-note")
    expect(page.locator("ul.messagelist li.success")).to_have_count(1)

    page.locator(".macro-list button", has_text=words["macro"]).click()
    expect(page.locator("ul.messagelist li.success")).to_contain_text(words["macro"])

    due = (timezone.now() + datetime.timedelta(hours=1)).astimezone(BEIJING)
    due = due.replace(second=0, microsecond=0)
    page.fill("#follow_up_due_at_0", f"{due:%Y-%m-%d}")
    page.fill("#follow_up_due_at_1", f"{due:%H:%M}")
    page.fill("#follow_up_note", "check they verified")
    page.click("#set-follow-up")
    expect(page.locator("ul.messagelist li.success")).to_have_count(1)

    timeline = page.locator(".timeline-list")
    for sentence in words["timeline"]:
        expect(timeline).to_contain_text(sentence.format(when=f"{due:%Y-%m-%d %H:%M}"))

    assert Case.objects.get(filing=filing).owner.username == "agent"
    assert Note.objects.filter(filing=filing).count() == 2  # hers and the macro's
    assert FollowUp.objects.filter(filing=filing, done_at__isnull=True).count() == 2
    assert (
        SmsMessage.objects.filter(filing=filing, kind=SmsKind.VERIFICATION_CODE).count()
        == codes_before + 2
    )
    assert leader.mobile[-4:] in timeline.inner_text()

    # back in the queue under "my cases", owned by her
    page.goto(f"{browser_site}/admin/queue/?owner=mine")
    expect(page.locator(".queue-table tbody tr")).to_have_count(1)
    expect(page.locator(".queue-table td.mine")).to_have_count(1)
