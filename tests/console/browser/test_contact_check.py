"""A contact check in a real browser: a supervisor opens it on an approved filing's
page; the entity leader reads the simulator's text on the demo phone, follows its
link and confirms on the verify page at 360 px wide and a pixel ratio of 3; the
supervisor reads the passed check on the filing's timeline."""

import re

import pytest
from playwright.sync_api import expect

from filings.models import FilingStatus
from tests.browser import log_in_as
from tests.console.conftest import make_staff
from tests.verification.helpers import filing_in
from verification.models import ContactCheck

pytestmark = pytest.mark.django_db(transaction=True)

CODE_RE = re.compile(r"验证码为(\d{6})")


def test_a_supervisor_opens_a_check_and_the_leader_confirms_on_a_phone(
    page, browser, browser_site
):
    make_staff("boss", "Supervisor")
    filing = filing_in(FilingStatus.APPROVED)
    leader = filing.subject.leader
    log_in_as(page, browser_site, "boss", "en")
    page.goto(f"{browser_site}/admin/filings/filingapplication/{filing.pk}/change/")
    page.click("button[name='CHANGE_FORM-action'][value=open_contact_check]")
    page.fill("textarea[name=reason]", "annual contact check")
    page.click("input[type=submit].default")
    expect(page.locator("ul.messagelist li.success")).to_contain_text(
        "Open a contact check: 1 filing done."
    )
    expect(page.locator(".timeline-list")).to_contain_text(
        "Supervisor boss opened a check of the contact details; the contacts confirm "
        "their mobiles by "
    )
    expect(page.locator(".timeline-list")).to_contain_text("“annual contact check”")

    phone = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=3,
        locale="zh-CN",
        is_mobile=True,
    ).new_page()
    phone.goto(f"{browser_site}/demo/phone/")
    phone.fill("#id_mobile", leader.mobile)
    phone.click("form.applicant-form button[type=submit]")
    text = phone.locator("article.sms").first
    expect(text).to_contain_text("联系方式核验")
    expect(text).to_contain_text("工信部未公布此核验的页面文字")
    code = CODE_RE.search(text.inner_text()).group(1)
    text.locator("a").click()
    phone.fill("#id_code", code)
    phone.fill("#id_mobile", leader.mobile)
    phone.fill("#id_cert_last6", leader.certificate_number[-6:])
    phone.fill("#id_captcha_1", "PASSED")
    phone.click("form.applicant-form button[type=submit]")
    banner = phone.locator("[data-contact-check]")
    expect(banner).to_contain_text("模拟器文案")
    # The banner fits the phone's width: nothing to scroll sideways.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    box = banner.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360

    people = ContactCheck.objects.get(filing=filing).people.count()
    if people == 1:
        assert banner.get_attribute("data-contact-check") == "done"
        page.reload()
        expect(page.locator(".timeline-list")).to_contain_text(
            "Every contact confirmed; the contact check passed"
        )
    else:
        assert banner.get_attribute("data-contact-check") == "wait"
        expect(banner).to_contain_text("还需备案的其他联系人完成核验")
    phone.context.close()
