"""The resend page over HTTP."""

import pytest

from tests.portal.helpers import banner, post_form
from tests.verification.helpers import last6, submitted_filing

pytestmark = pytest.mark.django_db


def data(person):
    return {"mobile": person.mobile, "cert_last6": last6(person)}


def test_101_101_102_under_a_miit_policy(client):
    _, leader, _ = submitted_filing("miit-current")
    answers = [banner(post_form(client, "/resend/", data(leader)))[0] for _ in range(3)]
    assert answers == [101, 101, 102]


def test_100_and_4(client):
    _, leader, _ = submitted_filing()
    assert (
        banner(post_form(client, "/resend/", {**data(leader), "cert_last6": "000000"}))[
            0
        ]
        == 4
    )
    other = {"mobile": "13312345678", "cert_last6": "123456"}
    page = post_form(client, "/resend/", other)
    assert banner(page) == (
        100,
        "尊敬的ICP用户：您暂无待短信核验的备案申请，无需重发短信。",
    )


def test_provincial_resend(client):
    _, leader, _ = submitted_filing("provincial-2019")  # Shandong
    assert banner(post_form(client, "/p/sd/resend/", data(leader)))[0] == 101
    assert banner(post_form(client, "/resend/", data(leader)))[0] == 100


def test_values_survive_a_resend(client):
    _, leader, _ = submitted_filing()
    html = post_form(client, "/resend/", data(leader)).content.decode()
    assert f'value="{leader.mobile}"' in html
