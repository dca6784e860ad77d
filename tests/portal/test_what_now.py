"""Under the MIIT sentence, which stays exactly as it is, the page says what happens
next in the simulator's own words: after the last failure, on a returned filing
(resend: nothing pending), and after success, with "where is my filing" filled in
for this mobile; after a failure limit or a success the form is no longer offered."""

import re

import pytest
from django.utils import translation

from filings import policies
from filings.models import Role
from tests.portal.helpers import banner, post_form, verify_data
from tests.verification.helpers import last6, submitted_filing

pytestmark = pytest.mark.django_db

WHAT_NOW_RE = re.compile(r"<div class=\"what-now[^>]*>\s*<p[^>]*>([^<]*)</p>")


def what_now(response):
    match = WHAT_NOW_RE.search(response.content.decode())
    return match.group(1) if match else None


def offers_the_form(response):
    return 'class="applicant-form"' in response.content.decode()


def lookup_form(response):
    """The mobile and certificate tail the "where is my filing" button carries."""
    html = response.content.decode()
    if "data-lookup-link" not in html:
        return None
    section = html[html.index('action="/where/"') :]
    return (
        re.search(r'name="mobile" value="([^"]*)"', section).group(1),
        re.search(r'name="cert_last6" value="([^"]*)"', section).group(1),
    )


def lookup_reference(response):
    """The filing reference the "where is my filing" button carries."""
    html = response.content.decode()
    section = html[html.index('action="/where/"') :]
    return re.search(r'name="reference" value="([^"]*)"', section).group(1)


def english(client):
    client.cookies["django_language"] = "en"


def test_after_the_last_failure_what_happens_next_and_where_to_look(client):
    english(client)
    filing, leader, _ = submitted_filing()
    limit = policies.get_policy(filing.policy).failure_limit
    for _ in range(limit):
        page = post_form(client, "/verify/", verify_data(leader, code="000000"))
    assert banner(page)[0] == 21
    assert banner(page)[1].endswith(
        "Your text message validation failed. Please contact your access provider "
        "for the result."
    )  # the MIIT sentence, unchanged
    assert what_now(page).startswith(
        "Your filing went back to your access provider: too many failed attempts."
    )
    assert not offers_the_form(page)
    assert lookup_form(page) == (leader.mobile, last6(leader))
    assert lookup_reference(page) == filing.reference  # the one filing concerned
    # The button opens "where is my filing" with all three filled in.
    found = client.post(
        "/where/",
        {
            "reference": filing.reference,
            "mobile": leader.mobile,
            "cert_last6": last6(leader),
            "new_picture": "1",
        },
    ).content.decode()
    assert f'value="{leader.mobile}"' in found
    assert f'value="{filing.reference}"' in found


def test_after_one_person_verified_who_is_still_to_verify(client):
    english(client)
    _, leader, admin = submitted_filing()
    page = post_form(client, "/verify/", verify_data(leader))
    assert banner(page)[0] == 31
    assert what_now(page).startswith(
        "Still to verify: Website/app administrator, each with the code in their "
        "own text."
    )
    assert not offers_the_form(page)
    page = post_form(client, "/verify/", verify_data(admin))
    assert banner(page)[0] == 3
    assert what_now(page).startswith("Nothing more to do here.")
    assert not offers_the_form(page)


def test_in_chinese(client):
    _, leader, _ = submitted_filing()
    page = post_form(client, "/verify/", verify_data(leader))
    with translation.override("zh-hans"):
        role = str(Role.ADMINISTRATOR.label)
    assert role != "Website/app administrator"
    assert what_now(page).startswith(f"尚待核验：{role}，各自使用自己短信中的验证码。")


def test_resend_with_nothing_pending_points_to_where_is_my_filing(client):
    english(client)
    _, leader, admin = submitted_filing()
    post_form(client, "/verify/", verify_data(leader))
    post_form(client, "/verify/", verify_data(admin))
    page = post_form(
        client, "/resend/", {"mobile": leader.mobile, "cert_last6": last6(leader)}
    )
    assert banner(page)[0] == 100
    assert what_now(page).startswith("If your filing went back to your access provider")
    assert lookup_form(page) == (leader.mobile, last6(leader))
    assert offers_the_form(page)


def test_a_wrong_code_says_nothing_more(client):
    _, leader, _ = submitted_filing()
    page = post_form(client, "/verify/", verify_data(leader, code="000000"))
    assert banner(page)[0] == 2
    assert what_now(page) is None
    assert offers_the_form(page)
