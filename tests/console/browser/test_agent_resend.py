"""A support agent in a real browser: a customer calls about a failed verification.
The agent finds the filing by the customer's mobile, reads on the timeline why the
person failed (in Chinese, then in English), resends the code and sees the text go out.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff
from tests.records import person, record, website, write_import_file
from tests.verification.helpers import latest_code
from verification import actions
from verification.models import SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "13811112222"


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def switch_language(page, site, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": site}]
    )
    page.reload()


def test_agent_reads_why_a_person_failed_and_resends(page, browser_site, tmp_path):
    make_staff("agent", "Support agent")
    leader = person("张三", mobile=MOBILE)
    data = record(leader=leader, services=[website()])
    call_command("import_filings", write_import_file(tmp_path, [data]), verbosity=0)
    tail = leader["certificate_number"][-6:]
    code = latest_code(MOBILE)
    # the customer typed a wrong code, then wrong certificate digits
    actions.verify(actions.CENTRAL, MOBILE, wrong(code), tail, ip="203.0.113.9")
    actions.verify(actions.CENTRAL, MOBILE, code, "000000", ip="203.0.113.9")
    before = SmsMessage.objects.filter(recipient=MOBILE).count()

    log_in_as_agent(page, browser_site, "zh-hans")
    page.goto(f"{browser_site}/admin/filings/filingapplication/")
    page.fill("#searchbar", "+86 138 1111 2222")
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("th a").click()

    timeline = page.locator(".timeline-list")
    expect(page.locator(".filing-header")).to_contain_text("等待 2 人中的 2 人核验")
    expect(timeline).to_contain_text(
        "申请人主体负责人（138****2222）在工信部核验页面输入了错误的证件号码后六位"
        "（连续第 2 次失败，上限 5 次）（来自 203.0.113.9）"
    )
    expect(timeline).to_contain_text("输入了错误的验证码（连续第 1 次失败，上限 5 次）")
    expect(page.locator(".person-card").first).to_contain_text("还可尝试 3 次")

    switch_language(page, browser_site, "en")
    expect(timeline).to_contain_text(
        "The applicant, Entity leader (138****2222), entered wrong certificate digits "
        "(failure 2 of 5 in a row) on the MIIT page from 203.0.113.9"
    )
    expect(timeline).to_contain_text("entered a wrong code (failure 1 of 5 in a row)")
    # what the agent may not do says why
    expect(page.locator("#why-return_to_provider")).to_have_text(
        "Your role does not allow this; ask a supervisor."
    )

    page.click("button[name='CHANGE_FORM-action'][value=resend_code]")
    # the code went out a moment ago: the console says so before a new one
    expect(page.locator(".collision-warning")).to_contain_text("may be typing it")
    page.fill("textarea[name=reason]", "customer deleted the text")
    page.check("input[name=anyway]")
    page.click("input[type=submit].default")
    expect(page.locator("ul.messagelist li.success")).to_have_count(1)

    # everyone pending gets a new code: this number one more message
    assert SmsMessage.objects.filter(recipient=MOBILE).count() == before + 1
    page.goto(f"{browser_site}/admin/filings/filingapplication/")
    page.fill("#searchbar", MOBILE)
    page.press("#searchbar", "Enter")
    page.locator("#result_list tbody tr th a").first.click()
    expect(timeline).to_contain_text(
        "Support agent agent sent Entity leader (138****2222) a new code: "
        "“customer deleted the text”"
    )
    page.goto(f"{browser_site}/admin/verification/smsmessage/?q={MOBILE}")
    newest = page.locator("#result_list tbody tr").first
    expect(newest).to_contain_text("12381")
    assert "******" in newest.inner_text()  # the code is masked for staff
    assert "138****2222" in newest.inner_text()
