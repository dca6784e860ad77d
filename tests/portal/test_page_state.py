"""The page's state travels in a signed cookie: the answer is shown once, the kept
fields come back, and every form sent is processed exactly once."""

import re

import pytest

from tests.portal.helpers import banner
from tests.verification.helpers import last6, submitted_filing
from verification.models import Attempt

pytestmark = pytest.mark.django_db
TOKEN_RE = re.compile(r'name="submission" value="([^"]+)"')


def send(client, url, data):
    """As a browser: load the form, send it with the token it carries."""
    token = TOKEN_RE.search(client.get(url).content.decode()).group(1)
    return client.post(
        url,
        {"captcha_0": "k", "captcha_1": "PASSED", "submission": token, **data},
        follow=True,
    )


def test_every_form_sent_is_processed_once(client):
    _, leader, _ = submitted_filing()
    data = {"code": "000000", "mobile": leader.mobile, "cert_last6": last6(leader)}
    answers = []
    for _ in range(4):
        answers.append(banner(send(client, "/verify/", data))[0])
        client.get("/verify/")  # a reload after the answer
    assert answers == [2, 2, 2, 2]
    assert Attempt.objects.count() == 4


def test_the_answer_is_shown_once_and_the_fields_are_kept(client):
    _, leader, _ = submitted_filing()
    data = {"code": "000000", "mobile": leader.mobile, "cert_last6": last6(leader)}
    shown = send(client, "/verify/", data)
    assert banner(shown)[0] == 2
    again = client.get("/verify/").content.decode()
    assert "data-valid-status" not in again
    assert f'value="{leader.mobile}"' in again


def test_a_forged_state_cookie_is_ignored(client):
    client.cookies["portal_state"] = '{"result": {"status": 3}}'
    page = client.get("/verify/").content.decode()
    assert "data-valid-status" not in page


def test_a_form_that_failed_is_processed_when_sent_again(monkeypatch):
    from django.db import OperationalError
    from django.test import Client

    from verification import actions

    _, leader, _ = submitted_filing()
    data = {"code": "000000", "mobile": leader.mobile, "cert_last6": last6(leader)}
    client = Client(raise_request_exception=False)
    assert banner(send(client, "/verify/", data))[0] == 2
    real_verify = actions.verify
    calls = []

    def down_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database system is shutting down")
        return real_verify(*args, **kwargs)

    monkeypatch.setattr(actions, "verify", down_once)
    assert send(client, "/verify/", data).status_code == 503
    # The person presses again: the same page, the same cookie; it is processed.
    assert banner(send(client, "/verify/", data))[0] == 2
    assert Attempt.objects.count() == 2
