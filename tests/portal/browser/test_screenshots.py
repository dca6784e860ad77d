"""Screenshots of the verify page, in both languages, at desktop and phone widths.

`make screenshots` runs this with SCREENSHOT_DIR=docs/screenshots; in the normal suite
the pictures go to a temporary folder and the test checks they were made.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.portal.browser.test_journey import CODE_RE
from tests.records import person, record, website, write_import_file
from verification.models import SmsMessage

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = [
    ("zh-hans", 1280, "verify-zh-desktop.png"),
    ("zh-hans", 360, "verify-zh-phone.png"),
    ("en", 1280, "verify-en-desktop.png"),
    ("en", 360, "verify-en-phone.png"),
]


def test_verify_page_screenshots(browser, browser_site, tmp_path):
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    for language, width, name in SHOTS:
        leader = person("张三")
        data = record(leader=leader, services=[website()])
        call_command("import_filings", write_import_file(tmp_path, [data]), verbosity=0)
        text = (
            SmsMessage.objects.filter(
                recipient=leader["mobile"], kind="verification_code"
            )
            .latest("id")
            .text
        )
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": browser_site}]
        )
        page = context.new_page()
        page.goto(f"{browser_site}/verify/")
        page.fill("#id_code", CODE_RE.search(text).group(1))
        page.fill("#id_mobile", leader["mobile"])
        page.fill("#id_cert_last6", leader["certificate_number"][-6:])
        page.fill("#id_captcha_1", "PASSED")
        page.click("form.applicant-form button[type=submit]")
        assert (
            page.locator("[data-valid-status]").get_attribute("data-valid-status")
            == "31"
        )
        page.screenshot(path=str(folder / name), full_page=True)
        context.close()
        assert (folder / name).stat().st_size > 10_000
