"""A provider's supervisor, on a phone and on a desk, in Chinese and in English: logs
in with a password, sets up the second factor from the QR page (the key typed into a
code generator here), keeps the recovery codes, logs out, logs in again with the app's
code, and then reads their own provider's filings alone in the work queue, the search
and the dashboard's funnel."""

import base64
import datetime

import pytest
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from console.staff import create_staff
from filings.models import FilingApplication, Provider
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = {
    "zh-hans": {"tencent": "腾讯云", "aliyun": "阿里云", "funnel": "接入商"},
    "en": {"tencent": "Tencent Cloud", "aliyun": "Alibaba Cloud", "funnel": "Provider"},
}
SCREENS = {
    "phone": {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 3},
    "desk": {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1},
}


def filing_of(code, reference):
    """A filing of the provider `code` whose deadline is 4 hours away (in the queue)."""
    filing, _, _ = submitted_filing(now=timezone.now() - datetime.timedelta(hours=20))
    FilingApplication.objects.filter(pk=filing.pk).update(
        provider=Provider.objects.get(code=code), reference=reference
    )


def app_code(key_text, step_offset=0):
    """The code an authenticator app shows for the key typed from the page."""
    key = base64.b32decode(key_text.replace(" ", ""))
    totp = TOTP(key)
    totp.time = totp.time + 30 * step_offset
    return f"{totp.token():06d}"


@pytest.mark.parametrize(("language", "screen"), [("zh-hans", "phone"), ("en", "desk")])
def test_a_providers_supervisor_sets_up_the_second_factor_and_sees_their_own(
    browser, browser_site, language, screen
):
    site = browser_site
    names = NAMES[language]
    filing_of("tencent", "TX-2026-0001")
    filing_of("aliyun", "ALI-2026-0001")
    create_staff("t-boss", "supervisor", provider_code="tencent", password="pw-t-boss")
    context = browser.new_context(**SCREENS[screen])
    context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    with override_settings(STAFF_SECOND_FACTOR=True):
        page.goto(f"{site}/admin/login/")
        page.fill("#id_username", "t-boss")
        page.fill("#id_password", "pw-t-boss")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/second-factor/set-up/**")
        qr = page.locator(".qr-code svg")
        expect(qr).to_be_visible()
        box = qr.bounding_box()
        assert (
            box["x"] >= 0
            and box["x"] + box["width"] <= SCREENS[screen]["viewport"]["width"]
        )
        key = page.locator(".otp-key").inner_text()
        page.fill("#id_code", app_code(key))
        page.locator("form input[type=submit]").click()
        codes = page.locator(".recovery-codes code")
        expect(codes).to_have_count(10)
        page.locator("a.button").last.click()
        page.wait_for_url(f"{site}/admin/")
        page.locator("#logout-form button").click()
        page.goto(f"{site}/admin/login/")
        page.fill("#id_username", "t-boss")
        page.fill("#id_password", "pw-t-boss")
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/second-factor/?next=**")
        page.fill("#id_code", app_code(key, 1))
        page.locator("form input[type=submit]").click()
        page.wait_for_url(f"{site}/admin/")
        page.goto(f"{site}/admin/queue/?view=all")
        queue = page.locator("#content").inner_text()
        assert "TX-2026-0001" in queue and "ALI-2026-0001" not in queue
        page.goto(f"{site}/admin/search/?q=TX-2026-0001")
        assert "TX-2026-0001" in page.locator("#content").inner_text()
        results = page.locator("#content a[href*='/filingapplication/']")
        assert results.count() >= 1
        page.goto(f"{site}/admin/search/?q=ALI-2026-0001")
        expect(results).to_have_count(0)
        page.goto(f"{site}/admin/?by=provider")
        funnel = page.locator("#content").inner_text()
        assert names["tencent"] in funnel and names["aliyun"] not in funnel
    context.close()
