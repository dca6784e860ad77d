"""An applicant's journey in a real browser: import, read the SMS, verify, resend."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.records import person, record, website, write_import_file

pytestmark = pytest.mark.django_db(transaction=True)

CODE_RE = re.compile(r"验证码为(\d{6})")


def import_filing(tmp_path, **kwargs):
    leader = person("张三")
    admin = person("李四")
    data = record(leader=leader, services=[website(admin)], **kwargs)
    call_command("import_filings", write_import_file(tmp_path, [data]), verbosity=0)
    return data, leader, admin


def read_code_on_phone(page, site, mobile):
    """Open the demo phone, read the newest code, follow its link."""
    page.goto(f"{site}/demo/phone/")
    page.fill("#id_mobile", mobile)
    page.click("form.applicant-form button[type=submit]")
    newest = page.locator("article.sms").first
    code = CODE_RE.search(newest.inner_text()).group(1)
    newest.locator("a").click()
    return code


def submit_verify(page, code, mobile, cert_last6):
    page.fill("#id_code", code)
    page.fill("#id_mobile", mobile)
    page.fill("#id_cert_last6", cert_last6)
    page.fill("#id_captcha_1", "PASSED")
    page.click("form.applicant-form button[type=submit]")
    return page.locator("[data-valid-status]")


def test_leader_and_administrator_verify_from_their_sms(page, browser_site, tmp_path):
    _, leader, admin = import_filing(tmp_path)
    code = read_code_on_phone(page, browser_site, leader["mobile"])
    assert page.url == f"{browser_site}/verify/"
    result = submit_verify(
        page, code, leader["mobile"], leader["certificate_number"][-6:]
    )
    assert result.get_attribute("data-valid-status") == "31"
    assert (
        result.inner_text()
        == "尊敬的ICP用户：您的短信核验完成,请等待其他核验人进行短信核验。"
    )
    # what now: who still has to verify; the form is no longer offered
    expect(page.locator("[data-what-now]")).to_contain_text("尚待核验")
    expect(page.locator("form.applicant-form")).to_have_count(0)

    code = read_code_on_phone(page, browser_site, admin["mobile"])
    result = submit_verify(
        page, code, admin["mobile"], admin["certificate_number"][-6:]
    )
    assert result.get_attribute("data-valid-status") == "3"
    assert "该请求将提交管局审核" in result.inner_text()


def test_resend_101_101_102_under_miit(page, browser_site, tmp_path):
    _, leader, _ = import_filing(tmp_path, policy="miit-2020")
    page.goto(f"{browser_site}/")
    page.get_by_role("link", name="短信重发").first.click()
    statuses = []
    for _ in range(3):
        page.fill("#id_mobile", leader["mobile"])
        page.fill("#id_cert_last6", leader["certificate_number"][-6:])
        page.fill("#id_captcha_1", "PASSED")
        page.click("form.applicant-form button[type=submit]")
        statuses.append(
            page.locator("[data-valid-status]").get_attribute("data-valid-status")
        )
    assert statuses == ["101", "101", "102"]
    page.goto(f"{browser_site}/demo/phone/?mobile={leader['mobile']}")
    assert page.locator("article.sms").count() == 4  # notice, code, two resends


def test_wrong_entries_give_2_then_21_and_lead_to_where_is_my_filing(
    page, browser_site, tmp_path
):
    """From the fifth failure to "where is my filing": the MIIT sentence, what
    happens next, and the lookup page filled in for this mobile."""
    data, leader, _ = import_filing(tmp_path)
    tail = leader["certificate_number"][-6:]
    page.goto(f"{browser_site}/verify/")
    statuses = []
    for _ in range(5):
        result = submit_verify(page, "000000", leader["mobile"], tail)
        statuses.append(result.get_attribute("data-valid-status"))
    assert statuses == ["2", "2", "2", "2", "21"]
    assert (
        "请联系接入商查询核验结果" in page.locator("[data-valid-status]").inner_text()
    )
    expect(page.locator("[data-what-now]")).to_contain_text("已退回接入商")
    expect(page.locator("form.applicant-form")).to_have_count(0)
    page.click("[data-lookup-link]")
    page.wait_for_url(f"{browser_site}/where/")
    assert page.input_value("#id_mobile") == leader["mobile"]
    assert page.input_value("#id_cert_last6") == tail
    assert page.input_value("#id_reference") == data["reference"]
    # A sixth try, from a fresh page: still 21.
    page.goto(f"{browser_site}/verify/")
    result = submit_verify(page, "000000", leader["mobile"], tail)
    assert result.get_attribute("data-valid-status") == "21"


def test_english_switch_shows_english_sentences(page, browser_site, tmp_path):
    _, leader, _ = import_filing(tmp_path)
    code = read_code_on_phone(page, browser_site, leader["mobile"])
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("SMS verification code").count() >= 1
    result = submit_verify(
        page, code, leader["mobile"], leader["certificate_number"][-6:]
    )
    assert result.inner_text() == (
        "Dear ICP user: Your text message validation is complete. Please wait for "
        "other personnel to complete their text message validation."
    )


def test_provincial_page_for_its_own_province(page, browser_site, tmp_path):
    data, leader, _ = import_filing(tmp_path, policy="pilot-2017", province="gs")
    code = read_code_on_phone(page, browser_site, leader["mobile"])
    assert page.url == f"{browser_site}/p/gs/verify/"
    page.goto(f"{browser_site}/p/gs/")
    page.get_by_role("link", name=re.compile("ICP备案短信核验")).click()
    result = submit_verify(
        page, code, leader["mobile"], leader["certificate_number"][-6:]
    )
    assert result.get_attribute("data-valid-status") == "31"
    # the central page does not serve it
    page.goto(f"{browser_site}/verify/")
    result = submit_verify(
        page, code, leader["mobile"], leader["certificate_number"][-6:]
    )
    assert result.get_attribute("data-valid-status") == "4"


def test_phone_width_has_no_horizontal_scroll(page, browser_site):
    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/", "/verify/", "/resend/", "/provinces/", "/where/", "/demo/phone/"):
        page.goto(f"{browser_site}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path


def test_keyboard_focus_order_follows_the_form(page, browser_site):
    page.goto(f"{browser_site}/verify/")
    page.focus("#id_code")
    order = []
    for _ in range(3):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id"))
    assert order == ["id_mobile", "id_cert_last6", "id_captcha_1"]


def test_a_new_visitor_tries_the_demo_without_instructions(page, browser_site):
    page.goto(f"{browser_site}/")
    page.get_by_role("link", name=re.compile("两分钟体验")).click()
    page.click("#try-it")
    identity = page.locator("#demo-identity")
    mobile = identity.locator("strong").nth(1).inner_text()
    cert_last6 = identity.locator("strong").nth(2).inner_text()
    newest = page.locator("article.sms").first
    code = CODE_RE.search(newest.inner_text()).group(1)
    newest.locator("a").click()
    result = submit_verify(page, code, mobile, cert_last6)
    assert result.get_attribute("data-valid-status") == "3"
