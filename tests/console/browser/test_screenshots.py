"""Screenshots of the staff console: the dashboard, the work queue and a filing page, in both
languages, over a seeded demo database.

`make screenshots` runs this with SCREENSHOT_DIR=docs/screenshots; in the normal suite
the pictures go to a temporary folder and the test checks they were made.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from console import casework
from filings.models import FilingApplication
from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def a_filing_worth_showing():
    """A filing waiting for verification whose people have tried and failed."""
    return (
        FilingApplication.objects.filter(
            status="pending_verification",
            verifications__attempts__reason="wrong_code_or_certificate",
        )
        .annotate(n=Count("verifications__attempts"))
        .order_by("-n", "id")
        .first()
    )


def test_console_screenshots(browser, browser_site, tmp_path, settings):
    settings.DEMO_MODE = True
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    call_command("seed_demo", filings=1500, seed=3, no_accounts=True, verbosity=0)
    agent = make_staff("agent", "Support agent")
    filing = a_filing_worth_showing()
    assert filing is not None
    casework.claim(filing, agent)
    casework.add_note(
        filing,
        agent,
        "客户来电：说没收到短信，已请其检查拦截 / Customer says no text came",
    )
    for language in ("zh-hans", "en"):
        short = "zh" if language == "zh-hans" else "en"
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in_as_agent(page, browser_site, language)
        page.goto(f"{browser_site}/admin/")
        page.wait_for_selector("#funnel")
        shots = [(f"console-dashboard-{short}.png", page)]
        page.screenshot(path=str(folder / shots[0][0]), full_page=True)
        page.goto(f"{browser_site}/admin/queue/")
        page.wait_for_selector(".queue-table")
        queue = f"console-queue-{short}.png"
        page.screenshot(path=str(folder / queue), full_page=False)
        page.goto(f"{browser_site}/admin/filings/filingapplication/{filing.pk}/change/")
        page.wait_for_selector(".timeline-list")
        name = f"console-filing-{short}.png"
        page.screenshot(path=str(folder / name), full_page=True)
        context.close()
        for picture in (shots[0][0], queue, name):
            assert (folder / picture).stat().st_size > 20_000
