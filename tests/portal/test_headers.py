"""Headers: pages that show what a person typed are never cached; a favicon and a
meta description on the public pages, the favicon in the console too."""

import pytest

from tests.console.conftest import make_staff

pytestmark = pytest.mark.django_db

TYPED = ["/verify/", "/resend/", "/p/gs/verify/", "/p/gs/resend/", "/where/"]


@pytest.mark.parametrize("url", TYPED)
def test_pages_with_typed_values_are_not_stored(client, url):
    response = client.get(url)
    assert "no-store" in response["Cache-Control"], url


def test_a_page_after_a_submission_is_not_stored(client):
    data = {"mobile": "13800138000", "cert_last6": "123456", "captcha_0": "x"}
    client.get("/resend/")
    client.post("/resend/", {**data, "captcha_1": "PASSED"})
    response = client.get("/resend/")
    assert "13800138000" in response.content.decode()  # the kept value
    assert "no-store" in response["Cache-Control"]


def test_the_demo_phone_is_not_stored(client, settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = "database"
    assert "no-store" in client.get("/demo/phone/")["Cache-Control"]


@pytest.mark.parametrize("url", ["/", "/verify/", "/provinces/", "/p/gs/"])
def test_public_pages_have_a_description_and_an_icon(client, url):
    html = client.get(url).content.decode()
    assert '<meta name="description" content="' in html
    assert 'rel="icon" href="/static/favicon.svg"' in html


def test_the_console_has_the_icon(client):
    client.force_login(make_staff("agent", "Support agent"))
    html = client.get("/admin/").content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in html


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
