"""A support agent in a real browser: log in, find a filing by mobile, resend a code,
see the text message in the outbox."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.console.conftest import make_staff
from tests.records import person, record, website, write_import_file
from verification.models import SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_finds_a_filing_by_mobile_and_resends_its_code(
    page, browser_site, tmp_path
):
    make_staff("agent", "Support agent")
    leader = person("张三", mobile="13811112222")
    data = record(leader=leader, services=[website()])
    call_command("import_filings", write_import_file(tmp_path, [data]), verbosity=0)
    before = SmsMessage.objects.filter(recipient="13811112222").count()

    page.goto(f"{browser_site}/admin/login/")
    page.fill("#id_username", "agent")
    page.fill("#id_password", "pw-agent")
    page.click("input[type=submit]")
    page.goto(f"{browser_site}/admin/filings/filingapplication/")
    page.fill("#searchbar", "+86 138 1111 2222")
    page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("th a").click()
    expect(page.locator("#content")).to_contain_text(data["reference"])

    page.click("button[name='CHANGE_FORM-action'][value=resend_code]")
    page.fill("textarea[name=reason]", "applicant deleted the text")
    page.click("input[type=submit].default")
    expect(page.locator("ul.messagelist li.success")).to_have_count(1)

    # everyone pending gets a new code: this number one more message
    assert SmsMessage.objects.filter(recipient="13811112222").count() == before + 1
    assert SmsMessage.objects.filter(kind="verification_code").count() == 4
    page.goto(f"{browser_site}/admin/verification/smsmessage/?q=13811112222")
    newest = page.locator("#result_list tbody tr").first
    expect(newest).to_contain_text("12381")
    assert "******" in newest.inner_text()  # the code is masked for staff
    assert "138****2222" in newest.inner_text()
