"""CSRF, security headers, framing, staff-only admin, no secrets in responses."""

import pytest
from django.test import Client

from tests.portal.helpers import post_form, verify_data
from tests.verification.helpers import latest_code, submitted_filing

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/verify/", "/resend/", "/p/gs/verify/", "/where/", "/provinces/"]


@pytest.mark.parametrize("url", ["/verify/", "/resend/", "/where/", "/p/gs/resend/"])
def test_csrf_is_enforced(url):
    client = Client(enforce_csrf_checks=True)
    response = client.post(url, {"mobile": "13800138000", "cert_last6": "123456"})
    assert response.status_code == 403


@pytest.mark.parametrize("url", [*PUBLIC, "/admin/login/"])
def test_security_headers(client, url):
    response = client.get(url)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/filings/filingapplication/",
        "/admin/filings/filingapplication/export/",
        "/admin/verification/smsmessage/",
        "/admin/verification/attempt/",
        "/admin/filings/auditevent/",
        "/admin/demo/time-travel/",
    ],
)
def test_admin_pages_need_a_staff_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_responses_never_echo_the_code_or_the_certificate_digits(client):
    filing, leader, _ = submitted_filing()
    code = latest_code(leader.mobile)
    wrong = post_form(client, "/verify/", verify_data(leader, code="000000"))
    right = post_form(client, "/verify/", verify_data(leader, code=code))
    for page in (wrong, right):
        html = page.content.decode()
        assert code not in html
        assert 'value="000000"' not in html
