"""The console's wide pages fit the screens staff use: at 1,280 and 1,440 px, in both
languages, the dashboard's funnel table by province and the webhook deliveries list
stay inside their box (once 1,788 px of table in a 1,060 px box, and a list clipped at
1,440 px), and the page itself never scrolls sideways."""

import pytest

from filings.models import Provider
from integrations import webhooks
from integrations.models import WebhookDelivery
from tests.browser import log_in_as_agent
from tests.console.conftest import make_staff
from tests.factories import FilingFactory
from verification import moves

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 1440)
PAGES = (
    "/admin/",
    "/admin/integrations/webhookdelivery/",
    "/admin/integrations/webhookendpoint/",
)
OVERFLOW = """() => {
  const page = document.documentElement.scrollWidth - window.innerWidth;
  const boxes = [...document.querySelectorAll('table')].map(table => {
    const box = table.closest('.table-scroll') || table.parentElement;
    return {table: table.className || table.id, over: table.scrollWidth - box.clientWidth,
            clipped: table.getBoundingClientRect().right - window.innerWidth};
  });
  return {page, boxes};
}"""


def seeded_deliveries(settings):
    """Deliveries to an endpoint with a long address that refuses them: events of
    six filings, each tried and waiting for its next attempt."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    provider = Provider.objects.get(code="aliyun")
    webhooks.create_endpoint(
        provider,
        "http://127.0.0.1:9/a-rather-long-path/for-the-receiver/of-events"
        "?tenant=acme-cloud-hosting",
    )
    for _ in range(6):
        moves.submit_filing(FilingFactory(provider=provider))
    assert WebhookDelivery.objects.count() >= 6


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_wide_console_pages_fit(browser, browser_site, settings, language):
    admin = make_staff("agent", "Supervisor")
    admin.is_superuser = True  # the narrowest content: every menu entry beside it
    admin.save()
    for _ in range(10):  # the funnel's rows
        moves.submit_filing(FilingFactory())
    seeded_deliveries(settings)
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        log_in_as_agent(page, browser_site, language)
        for path in PAGES:
            page.goto(f"{browser_site}{path}")
            measured = page.evaluate(OVERFLOW)
            assert measured["page"] <= 0, (width, path, measured)
            for box in measured["boxes"]:
                assert box["over"] <= 1 and box["clipped"] <= 0, (width, path, box)
        context.close()
