"""A form sent twice (a double click, a reloaded POST) is processed once, with the
real captcha as with test mode: its attempt holds the form's one-time token, which
the database keeps unique; the second sending lands on the first answer."""

import pytest
from captcha.conf import settings as captcha_settings
from captcha.models import CaptchaStore

from tests.portal.helpers import banner, form_token, post_form, verify_data
from tests.verification.helpers import last6, submitted_filing
from verification import actions
from verification.models import Attempt, SmsMessage

pytestmark = pytest.mark.django_db


def _solved(client, url, data):
    """The page's own form: its token and its picture, solved."""
    token = form_token(client, url)
    store = CaptchaStore.objects.latest("id")
    return {
        **data,
        "submission": token,
        "captcha_0": store.hashkey,
        "captcha_1": store.response,
    }


def test_with_the_real_captcha_the_second_sending_shows_the_first_answer(
    client, monkeypatch
):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    filing, leader, _ = submitted_filing()
    data = _solved(client, "/verify/", verify_data(leader))
    first = client.post("/verify/", data)
    assert first.status_code == 303
    # The picture went with the first sending; the token says it was processed.
    second = client.post("/verify/", data)
    assert second.status_code == 303
    assert banner(client.get("/verify/"))[0] == 31
    attempts = Attempt.objects.all()
    assert [(a.status, a.wrong_part) for a in attempts] == [(31, "")]
    assert attempts.get().submission == data["submission"]


def test_a_wrong_picture_keeps_the_token_for_the_corrected_sending(client, monkeypatch):
    monkeypatch.setattr(captcha_settings, "CAPTCHA_TEST_MODE", False)
    _, leader, _ = submitted_filing()
    data = _solved(client, "/verify/", verify_data(leader))
    wrong = client.post("/verify/", {**data, "captcha_1": "zzzz"})
    assert wrong.status_code == 200
    # The same form, a new picture solved: processed, not taken as sent again.
    store = CaptchaStore.objects.latest("id")
    retried = {**data, "captcha_0": store.hashkey, "captcha_1": store.response}
    assert client.post("/verify/", retried).status_code == 303
    assert banner(client.get("/verify/"))[0] == 31
    assert [a.reason for a in Attempt.objects.all()] == ["wrong_picture", "verified"]
    assert Attempt.objects.get(reason="wrong_picture").submission == ""


def test_a_resend_sent_twice_texts_once(client):
    _, leader, _ = submitted_filing()
    token = form_token(client, "/resend/")
    data = {"mobile": leader.mobile, "cert_last6": last6(leader)}
    texts = SmsMessage.objects.filter(recipient=leader.mobile).count()
    for _ in range(2):
        response = post_form(client, "/resend/", data, token=token, follow=False)
        assert response.status_code == 303
    assert SmsMessage.objects.filter(recipient=leader.mobile).count() == texts + 1
    assert Attempt.objects.filter(action="resend").count() == 1


def test_the_engine_refuses_a_token_it_has_processed():
    _, leader, _ = submitted_filing()
    first = actions.verify(
        actions.CENTRAL, leader.mobile, "000000", last6(leader), submission="t-1"
    )
    assert first.status == 2
    with pytest.raises(actions.SentAgain):
        actions.verify(
            actions.CENTRAL, leader.mobile, "000000", last6(leader), submission="t-1"
        )
    # Rolled back: the wrong code counted once.
    verification = first.verifications[0]
    verification.refresh_from_db()
    assert verification.failed_attempts == 1
    assert Attempt.objects.count() == 1
    # Without a token, or with one too long to keep, every call is processed.
    for token in ("", "x" * 33):
        actions.verify(
            actions.CENTRAL, leader.mobile, "000000", last6(leader), submission=token
        )
    assert Attempt.objects.count() == 3
