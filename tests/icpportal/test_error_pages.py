"""The 400, 403, 404 and 500 pages are the site's own: translated, in its layout,
with the simulation banner."""

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from icpportal import faults

pytestmark = pytest.mark.django_db

BANNER_ZH = "模拟"
PAGES = {
    404: ("There is no such page", None),
    403: ("This page is not open to you", None),
    400: ("The request could not be understood", None),
}


def get(status, language):
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = language
    if status == 404:
        return client.get("/no-such-page/")
    if status == 403:  # a form sent without its security token
        return client.post("/verify/", {"mobile": "13800138000"})
    return client.get("/verify/", HTTP_HOST="not-this-site.example")  # 400


@pytest.mark.parametrize("status", [400, 403, 404])
def test_english(status):
    response = get(status, "en")
    html = response.content.decode()
    assert response.status_code == status
    assert PAGES[status][0] in html
    assert f"Error {status}" in html
    assert 'class="sim-banner"' in html and "It is not affiliated with" in html
    assert '<html lang="en">' in html


@pytest.mark.parametrize(
    ("status", "heading"),
    [(400, "无法理解该请求"), (403, "您无权访问此页面"), (404, "页面不存在")],
)
def test_chinese(status, heading):
    response = get(status, "zh-hans")
    html = response.content.decode()
    assert response.status_code == status
    assert heading in html and f"错误 {status}" in html
    assert 'class="sim-banner"' in html and BANNER_ZH in html


def test_the_500_page_is_the_sites_own():
    request = RequestFactory().get("/verify/")
    with translation.override("en"):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            response = faults.server_error(request)
    html = response.content.decode()
    assert response.status_code == 500
    assert "The system cannot handle your request right now" in html
    assert 'class="sim-banner"' in html
