"""axe-core on every applicant page and the console's filing list, filing page and work queue, in
both languages, at phone and desktop widths: no violation of serious or critical
impact. The checker is injected by Playwright, so the pages keep their CSP."""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.utils import timezone

from console import casework
from filings.models import FilingApplication
from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff
from tests.portal.browser.test_journey import import_filing

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = [
    "/",
    "/verify/",
    "/resend/",
    "/where/",
    "/provinces/",
    "/p/gs/",
    "/p/gs/verify/",
    "/p/gs/resend/",
    "/p/bj/",
    "/demo/",
    "/demo/phone/?mobile=13800138000",
    "/no-such-page/",
]
SERIOUS = {"serious", "critical"}
AXE = Axe()


def violations(page):
    results = AXE.run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_applicant_pages(browser, browser_site, tmp_path, language, width):
    import_filing(tmp_path)
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": browser_site}]
    )
    page = context.new_page()
    found = {}
    for url in PUBLIC:
        page.goto(f"{browser_site}{url}")
        if problems := violations(page):
            found[url] = problems
    # a page after a wrong entry: the field errors and the answer banner
    page.goto(f"{browser_site}/verify/")
    with page.expect_navigation():
        page.click("form.applicant-form button[type=submit].btn-primary")
    if problems := violations(page):
        found["/verify/ with errors"] = problems
    context.close()
    assert not found, found


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_console_pages(browser, browser_site, tmp_path, language, width):
    import_filing(tmp_path)
    agent = make_staff("agent", "Support agent")
    filing = FilingApplication.objects.get()
    # the case work the filing page and the queue show
    call_command("add_standard_macros", verbosity=0)
    casework.claim(filing, agent)
    casework.add_note(filing, agent, "the customer called")
    past = timezone.now() - datetime.timedelta(hours=2)
    casework.set_follow_up(
        filing, agent, past + datetime.timedelta(hours=1), "x", now=past
    )
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    log_in_as_agent(page, browser_site, language)
    found = {}
    for url in [
        "/admin/",  # the dashboard and its funnel
        "/admin/filings/filingapplication/",
        "/admin/queue/",  # the work queue, with that filing's follow-up due
        f"/admin/filings/filingapplication/{filing.pk}/change/",
    ]:
        page.goto(f"{browser_site}{url}")
        if problems := violations(page):
            found[url] = problems
    # an override's confirmation page
    # wait for the confirmation page itself: axe run while the form is still
    # submitting finds no document
    with page.expect_navigation():
        page.click("button[name='CHANGE_FORM-action'][value=resend_code]")
    page.wait_for_load_state()
    if problems := violations(page):
        found["confirm resend"] = problems
    context.close()
    assert not found, found
