"""The captcha journey in a real browser: a wrong picture says so next to the field
and keeps what was typed; a new picture; the right answer verifies."""

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore
from playwright.sync_api import expect

from tests.portal.browser.test_journey import import_filing
from tests.verification.helpers import latest_code

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_picture_then_a_new_one_then_verified(
    page, browser_site, tmp_path, monkeypatch
):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    _, leader, _ = import_filing(tmp_path)
    code = latest_code(leader["mobile"])
    tail = leader["certificate_number"][-6:]
    page.goto(f"{browser_site}/verify/")
    page.fill("#id_code", code)
    page.fill("#id_mobile", leader["mobile"])
    page.fill("#id_cert_last6", tail)
    page.fill("#id_captcha_1", "XXXX")
    page.click("form.applicant-form button[type=submit].btn-primary")

    message = page.locator("#id_captcha_error")
    expect(message).to_be_visible()
    expect(message).to_contain_text("图形验证码错误")
    expect(page.locator("#id_captcha_1")).to_have_attribute(
        "aria-describedby", "id_captcha_error"
    )
    expect(page.locator("#id_code")).to_have_value(code)  # kept
    expect(page.locator("#id_cert_last6")).to_have_value(tail)

    before = page.locator("img.captcha").get_attribute("src")
    page.click("button[name=new_picture]")
    expect(page.locator("img.captcha")).not_to_have_attribute("src", before)
    expect(page.locator("#id_code")).to_have_value(code)

    key = page.locator("#id_captcha_0").input_value()
    page.fill("#id_captcha_1", CaptchaStore.objects.get(hashkey=key).response)
    page.click("form.applicant-form button[type=submit].btn-primary")
    status = page.locator("[data-valid-status]")
    expect(status).to_have_attribute("data-valid-status", "31")
