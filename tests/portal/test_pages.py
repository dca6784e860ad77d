"""Every page renders, says it is a simulation, and loads nothing from elsewhere."""

import re

import pytest

from filings.models import Province

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_sms(settings):
    settings.SMS_BACKEND = "database"  # the demo phone needs the outbox


PAGES = [
    "/",
    "/verify/",
    "/resend/",
    "/p/gs/",
    "/p/gs/verify/",
    "/p/gs/resend/",
    "/p/bj/",
    "/provinces/",
    "/where/",
    "/demo/phone/",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_with_the_simulation_banner(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="sim-banner"' in html
    assert "与工业和信息化部及各地通信管理局无关" in html
    # nothing from another host: no CDN, no government site
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "miit.gov.cn" not in html


@pytest.mark.parametrize("url", PAGES)
def test_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_province_has_its_pages(client):
    for province in Province.objects.all():
        for suffix in ("", "verify/", "resend/"):
            assert client.get(f"/p/{province.code}/{suffix}").status_code == 200


def test_unknown_province_is_404(client):
    assert client.get("/p/zz/").status_code == 404
    assert client.get("/p/zz/verify/").status_code == 404


def test_provincial_home_points_to_the_central_pages_when_central_rules_apply(client):
    html = client.get("/p/gs/").content.decode()
    assert "ICP备案短信核验" in html
    assert "自2020-08-17起，本省新提交的备案申请在工信部统一页面进行短信核验" in html
    assert 'href="/p/gs/verify/"' in html
    Province.objects.filter(code="gs").update(current_policy="provincial-2019")
    html = client.get("/p/gs/").content.decode()
    assert "工信部统一页面进行短信核验" not in html


def test_directory_lists_every_province_with_its_policy_and_date(client):
    html = client.get("/provinces/").content.decode()
    assert html.count('href="/p/') == 31
    assert "甘肃省" in html and "/p/gs/" in html
    assert "工信部统一核验（现行，24小时）" in html
    assert "2020-08-17" in html
    assert "2017-12-18" in html  # Gansu's provincial verification start


def test_forms_carry_csrf_tokens(client):
    for url in ("/verify/", "/resend/", "/where/", "/p/gs/verify/"):
        assert 'name="csrfmiddlewaretoken"' in client.get(url).content.decode()


def test_chinese_by_default_and_english_by_switch(client):
    html = client.get("/verify/").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "短信验证码" in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/verify/"})
    assert response.status_code == 302
    html = client.get("/verify/").content.decode()
    assert '<html lang="en">' in html
    assert "SMS verification code" in html
    assert "It is not affiliated with the Ministry of Industry" in html


def test_labels_and_live_region(client):
    html = client.get("/verify/").content.decode()
    for field in ("code", "mobile", "cert_last6"):
        assert f'for="id_{field}"' in html
    assert 'aria-live="polite"' in html
    assert 'aria-label="图片中的字符"' in html
    assert 'name="viewport"' in html


def test_the_resend_page_is_headed_resend(client):
    client.cookies["django_language"] = "en"
    html = client.get("/resend/").content.decode()
    assert '<h1 class="h3">Resend text message</h1>' in html
    client.cookies["django_language"] = "zh-hans"
    assert (
        '<h1 class="h3">短信重发</h1>' in client.get("/p/gs/resend/").content.decode()
    )
