"""The captcha guards every public form when test mode is off."""

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore

from tests.portal.helpers import form_token
from tests.verification.helpers import submitted_filing
from verification.models import Attempt, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def real_captcha(monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)


@pytest.mark.parametrize("url", ["/verify/", "/resend/", "/where/", "/p/gs/verify/"])
def test_wrong_or_missing_captcha_is_refused(client, real_captcha, url):
    _, leader, _ = submitted_filing()
    data = {
        "submission": form_token(client, url),
        "code": "123456",
        "reference": "X",
        "mobile": leader.mobile,
        "cert_last6": leader.certificate_number[-6:],
        "captcha_0": "nope",
        "captcha_1": "PASSED",
    }
    html = client.post(url, data).content.decode()
    assert "图形验证码错误" in html
    data["captcha_1"] = ""
    assert "请输入图片中的字符" in client.post(url, data).content.decode()
    # Nothing is checked or counted; staff see the wrong picture on the verify and
    # resend pages (the lookup page records nothing).
    recorded = Attempt.objects.all()
    if url == "/where/":
        assert not recorded.exists()
    else:
        assert [(a.reason, a.wrong_part, a.status) for a in recorded] == [
            ("wrong_picture", "picture", None)
        ] * 2
        assert recorded[0].mobile == leader.mobile
    assert all(v.failed_attempts == 0 for v in Verification.objects.all())


def test_the_right_answer_passes_once(client, real_captcha):
    client.get("/verify/")
    store = CaptchaStore.objects.latest("id")
    data = {
        "submission": form_token(client, "/verify/"),
        "code": "123456",
        "mobile": "13800138000",
        "cert_last6": "123456",
        "captcha_0": store.hashkey,
        "captcha_1": store.response,
    }
    assert client.post(data=data, path="/verify/").status_code == 303
    data["submission"] = "another"
    assert "图形验证码错误" in client.post("/verify/", data).content.decode()
