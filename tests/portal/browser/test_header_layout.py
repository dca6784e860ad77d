"""The header holds on one row at desktop width in both languages: the title, the
links and the two language buttons side by side."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("url", ["/verify/", "/resend/", "/p/gs/verify/"])
def test_one_row_at_1280(browser, browser_site, language, url):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_cookies(
        [{"name": "django_language", "value": language, "url": browser_site}]
    )
    page = context.new_page()
    page.goto(f"{browser_site}{url}")
    tops = [
        round(box["y"] + box["height"] / 2)
        for box in (
            page.locator(selector).bounding_box()
            for selector in (
                ".site-title",
                ".lang-switch button[value=zh-hans]",
                ".lang-switch button[value=en]",
            )
        )
    ]
    context.close()
    assert max(tops) - min(tops) <= 8, tops  # one row, vertically centred
