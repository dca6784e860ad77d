"""The verify page over HTTP: answers, kept values, double submission, throttling."""

import pytest

from tests.portal.helpers import banner, form_token, post_form, verify_data
from tests.verification.helpers import latest_code, submitted_filing
from verification.models import Attempt

pytestmark = pytest.mark.django_db


def test_31_then_3_with_post_redirect_get(client):
    filing, leader, admin = submitted_filing()
    response = post_form(client, "/verify/", verify_data(leader), follow=False)
    assert response.status_code == 303
    assert response["Location"] == "/verify/"
    page = client.get("/verify/")
    assert banner(page) == (
        31,
        "尊敬的ICP用户：您的短信核验完成,请等待其他核验人进行短信核验。",
    )
    # the result shows once; a reload shows the empty form
    assert banner(client.get("/verify/")) is None
    page = post_form(client, "/verify/", verify_data(admin))
    assert banner(page) == (
        3,
        "尊敬的ICP用户：您的短信核验已全部完成,该请求将提交管局审核。",
    )


def test_values_survive_except_the_code_and_captcha(client):
    filing, leader, _ = submitted_filing()
    page = post_form(client, "/verify/", verify_data(leader, code="000000"))
    html = page.content.decode()
    assert banner(page)[0] == 2
    assert f'value="{leader.mobile}"' in html
    assert f'value="{leader.certificate_number[-6:]}"' in html
    assert 'value="000000"' not in html


def test_field_errors_keep_the_other_values(client):
    page = post_form(
        client,
        "/verify/",
        {"code": "12345", "mobile": "13800138000", "cert_last6": "00002x"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "短信验证码为6位数字" in html
    assert 'value="13800138000"' in html and 'value="00002x"' in html
    assert 'value="12345"' not in html
    assert Attempt.objects.count() == 0


def test_a_double_submission_counts_once(client):
    filing, leader, _ = submitted_filing()
    token = form_token(client, "/verify/")
    data = verify_data(leader, code="000000")
    first = post_form(client, "/verify/", data, token=token, follow=False)
    second = post_form(client, "/verify/", data, token=token, follow=False)
    assert first.status_code == second.status_code == 303
    assert Attempt.objects.count() == 1
    assert leader.mobile == Attempt.objects.get().mobile
    filing.verifications.get(mobile=leader.mobile).refresh_from_db()
    assert filing.verifications.get(mobile=leader.mobile).failed_attempts == 1


def test_english_answer(client):
    client.cookies["django_language"] = "en"
    filing, leader, _ = submitted_filing()
    page = post_form(client, "/verify/", verify_data(leader))
    assert banner(page) == (
        31,
        "Dear ICP user: Your text message validation is complete. Please wait for "
        "other personnel to complete their text message validation.",
    )


def test_throttled_request_gets_a_plain_message(client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_ip": "1/h"}
    filing, leader, _ = submitted_filing()
    post_form(client, "/verify/", verify_data(leader, code="000000"))
    page = post_form(client, "/verify/", verify_data(leader))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-throttled="true"' in html
    assert "操作过于频繁，请" in html
    assert banner(page) is None


def test_provincial_page_serves_its_province(client):
    filing, leader, admin = submitted_filing("pilot-2017")  # Gansu
    assert banner(post_form(client, "/verify/", verify_data(leader)))[0] == 4
    assert banner(post_form(client, "/p/xj/verify/", verify_data(leader)))[0] == 4
    assert banner(post_form(client, "/p/gs/verify/", verify_data(leader)))[0] == 31


def test_attempt_records_ip_and_user_agent(client):
    filing, leader, _ = submitted_filing()
    post_form(client, "/verify/", verify_data(leader), HTTP_USER_AGENT="Test/1.0")
    attempt = Attempt.objects.get()
    assert (attempt.ip, attempt.user_agent) == ("127.0.0.1", "Test/1.0")


def test_code_from_the_sms_link_page(client):
    filing, leader, _ = submitted_filing()
    code = latest_code(leader.mobile)
    assert banner(post_form(client, "/verify/", verify_data(leader, code)))[0] == 31
