"""The demo clock's banner on the phone a text's link opens: at 360 px and device
pixel ratio 3, in both languages, it shows the demo's time and the verify page still
never scrolls sideways."""

import datetime

import pytest
from django.core.cache import cache

from demo import timetravel
from demo.models import DemoClock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_banner_fits_a_phone(browser, browser_site, language):
    DemoClock.objects.create(
        pk=DemoClock.ONLY, ahead=datetime.timedelta(days=2, hours=11)
    )
    cache.delete(timetravel.CLOCK_CACHE_KEY)  # the server reads the new clock
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=3
    )
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": browser_site}]
    )
    page = context.new_page()
    page.goto(f"{browser_site}/verify/")
    banner = page.locator(".demo-clock-banner")
    assert banner.is_visible()
    assert ("2 d 11 h" if language == "en" else "演示时钟") in banner.inner_text()
    box = banner.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
