"""A captcha people can pass: the message next to the field and tied to it, what was
typed kept after a wrong picture, a new picture without JavaScript, characters that
cannot be misread, a sharp picture on dense screens."""

import os
import re

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore

from portal.challenges import UNAMBIGUOUS, unambiguous_challenge
from tests.portal.helpers import form_token
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification.models import Attempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def real_captcha(monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)


def wrong_picture(client, url, leader, code):
    data = {
        "submission": form_token(client, url),
        "code": code,
        "mobile": leader.mobile,
        "cert_last6": last6(leader),
        "captcha_0": "nope",
        "captcha_1": "WRONG",
    }
    return client.post(url, data).content.decode()


def value_of(html, name):
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


def test_a_wrong_picture_keeps_the_code_and_says_why_next_to_it(client):
    _, leader, _ = submitted_filing()
    code = latest_code(leader.mobile)
    html = wrong_picture(client, "/verify/", leader, code)
    assert value_of(html, "code") == code  # not wiped
    assert value_of(html, "mobile") == leader.mobile
    assert value_of(html, "cert_last6") == last6(leader)
    assert value_of(html, "captcha_1") == ""  # the answer is to be typed again
    answer = re.search(r'<input type="text" name="captcha_1"[^>]*>', html).group(0)
    assert 'aria-describedby="id_captcha_error"' in answer
    assert 'id="id_captcha_error"' in html and "图形验证码错误" in html
    # not a verification attempt: nobody's failures counted
    assert Attempt.objects.get().reason == "wrong_picture"


def test_other_wrong_fields_still_clear_the_code(client):
    data = {"submission": form_token(client, "/verify/"), "code": "12", "mobile": "1"}
    html = client.post("/verify/", {**data, "captcha_1": "x"}).content.decode()
    assert value_of(html, "code") == ""


@pytest.mark.parametrize("url", ["/verify/", "/resend/", "/p/gs/verify/", "/where/"])
def test_a_new_picture_keeps_what_was_typed(client, url):
    client.get(url)
    first = CaptchaStore.objects.count()
    token = form_token(client, url)
    data = {
        "submission": token,
        "code": "123456",
        "mobile": "13800138000",
        "cert_last6": "12345X",
        "reference": "REF-1",
        "new_picture": "1",
        "captcha_0": "",
        "captcha_1": "",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert value_of(html, "mobile") == "13800138000"
    assert value_of(html, "cert_last6") == "12345X"
    assert "is-invalid" not in html  # nothing was checked
    assert CaptchaStore.objects.count() > first  # a new picture
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("url", ["/verify/", "/resend/", "/where/"])
def test_the_button_works_without_javascript(client, url):
    html = client.get(url).content.decode()
    button = re.search(r'<button type="submit" name="new_picture"[^>]*>', html)
    assert button and "formnovalidate" in button.group(0)
    assert "<script" not in html
    # Enter submits with a form's first button: that must be the main one
    assert html.index('class="btn btn-primary"') < button.start()


def test_the_picture_is_sharp_on_dense_screens(client):
    html = client.get("/verify/").content.decode()
    image = re.search(r'<img src="(/captcha/image/\w+/)" srcset="([^"]+)"', html)
    assert image and f"{image.group(1)[:-1]}@2/ 2x" in image.group(2)
    assert client.get(f"{image.group(1)[:-1]}@2/").status_code == 200


def test_no_character_reads_as_another():
    for ambiguous in "IL1O0QS5Z2B8G6UV":
        assert ambiguous not in UNAMBIGUOUS
    shown, answer = unambiguous_challenge()
    assert len(shown) == captcha_settings.CAPTCHA_LENGTH
    assert answer == shown.lower() and set(shown) <= set(UNAMBIGUOUS)


def test_the_picture_can_be_heard(client):
    if not captcha_settings.CAPTCHA_FLITE_PATH:
        message = "flite not found (apt-get install flite)"
        if os.environ.get("REQUIRE_FLITE"):
            pytest.fail(message)
        pytest.skip(message)
    html = client.get("/verify/").content.decode()
    link = re.search(r'<a href="(/captcha/audio/\w+\.wav)" class="captcha-audio"', html)
    assert link, "no spoken alternative offered"
    response = client.get(link.group(1))
    assert response.status_code == 200
    body = (
        b"".join(response.streaming_content) if response.streaming else response.content
    )
    assert body[:4] == b"RIFF" and len(body) > 10_000  # a WAV file with speech


def test_without_flite_no_link_is_offered(client, monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_FLITE_PATH", None)
    html = client.get("/verify/").content.decode()
    assert "captcha-audio" not in html
