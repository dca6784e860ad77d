"""Without the switch's cookie, a page answers in the language the browser asks for
(Chinese or English); the cookie wins; anything else gets Chinese."""

import pytest

from infra.locale import browser_language

pytestmark = pytest.mark.django_db

# Accept-Language, the switch's cookie, the page's language
ROWS = [
    (None, None, "zh-hans"),
    ("", None, "zh-hans"),
    ("en", None, "en"),
    ("en-US,en;q=0.9", None, "en"),
    ("en-GB", None, "en"),
    ("zh-CN,zh;q=0.9,en;q=0.8", None, "zh-hans"),
    ("zh-TW", None, "zh-hans"),
    ("zh-Hant-HK", None, "zh-hans"),
    ("zh", None, "zh-hans"),
    ("fr-FR,fr;q=0.9,en;q=0.5", None, "en"),  # the first one we have, in its order
    ("fr-FR,de;q=0.8", None, "zh-hans"),  # nothing we have: the default
    ("en;q=0.5,zh-CN;q=0.9", None, "zh-hans"),  # quality, not position, orders them
    ("eng", None, "zh-hans"),  # not English's tag
    ("*", None, "zh-hans"),
    ("en-US", "zh-hans", "zh-hans"),  # the switch's choice wins
    ("zh-CN", "en", "en"),
    ("en-US", "klingon", "en"),  # an unknown cookie is ignored
]


@pytest.mark.parametrize(("header", "cookie", "language"), ROWS)
def test_row(client, header, cookie, language):
    if cookie:
        client.cookies["django_language"] = cookie
    extra = {} if header is None else {"HTTP_ACCEPT_LANGUAGE": header}
    response = client.get("/verify/", **extra)
    assert response["Content-Language"] == language
    page_language = {"zh-hans": "zh-Hans", "en": "en"}[language]  # BCP 47 case
    assert f'<html lang="{page_language}">' in response.content.decode()
    assert "Accept-Language" in response["Vary"] and "Cookie" in response["Vary"]


def test_the_reading_of_the_header():
    assert browser_language("zh-SG;q=0.4, en-AU;q=0.6") == "en"
    assert browser_language("garbage;;;q=x") is None


def test_the_switch_sets_a_lax_cookie(client):
    # its Secure flag follows the session cookie's: tests/icpportal/test_deploy.py
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/verify/"})
    assert response.cookies["django_language"]["samesite"] == "Lax"
