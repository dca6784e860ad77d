"""Who else is on a filing: the heartbeat, its expiry, the filing page and the queue
saying it, and a resend that asks first when another agent is on the filing or a
code went out a moment ago."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from console import presence
from console.models import Presence
from tests.console.conftest import change_url, form_action, make_staff
from tests.verification.helpers import latest_code, submitted_filing
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db


def heartbeat(client, filing):
    return client.post(reverse("admin:filing_presence", args=[filing.pk]))


def test_opening_the_filing_page_marks_the_reader_present(login, agent):
    filing, _, _ = submitted_filing()
    login(agent).get(change_url(filing))
    assert Presence.objects.get(filing=filing, user=agent).seen_at is not None


def test_the_heartbeat_says_who_else_is_on_the_filing(client, agent):
    filing, _, _ = submitted_filing()
    colleague = make_staff("wang", "Support agent")
    presence.beat(filing.pk, colleague)
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    said = heartbeat(client, filing).json()
    assert said["others"] == ["Support agent wang"]
    assert said["sentence"] == "Support agent wang also has this filing open now."
    # one row per person, renewed in place
    heartbeat(client, filing)
    assert Presence.objects.filter(filing=filing, user=agent).count() == 1


def test_presence_expires_after_three_missed_heartbeats(agent):
    filing, _, _ = submitted_filing()
    colleague = make_staff("wang", "Support agent")
    now = timezone.now()
    presence.beat(filing.pk, colleague, now=now)
    just_fresh = now + presence.FRESH - datetime.timedelta(seconds=1)
    gone = now + presence.FRESH + datetime.timedelta(seconds=1)
    assert presence.others_on(filing.pk, agent, now=just_fresh) == [colleague]
    assert presence.others_on(filing.pk, agent, now=gone) == []
    assert presence.others_on(filing.pk, colleague, now=now) == []  # never oneself


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_filing_page_and_the_queue_name_the_other_agent(login, agent, language):
    filing, leader, _ = submitted_filing()
    # the text failed, so the filing is in the queue
    SmsMessage.objects.filter(filing=filing).update(status="failed")
    presence.beat(filing.pk, make_staff("wang", "Support agent"))
    client = login(agent, language)
    page = client.get(change_url(filing)).content.decode()
    expected = {
        "en": "Support agent wang also has",
        "zh-hans": "客服专员 wang 此刻也打开了",
    }[language]
    assert expected in page
    queue = client.get(reverse("admin:queue")).content.decode()
    assert {"en": "Open now: Support agent wang", "zh-hans": "正在查看：客服专员 wang"}[
        language
    ] in queue


def test_heartbeat_answers_only_post_and_known_filings(login, agent, auditor):
    filing, _, _ = submitted_filing()
    client = login(agent)
    url = reverse("admin:filing_presence", args=[filing.pk])
    assert client.get(url).status_code == 405
    missing = reverse("admin:filing_presence", args=[filing.pk + 1000])
    assert client.post(missing).status_code == 404
    # an auditor reads filings, so is present too
    assert login(auditor).post(url).status_code == 200


def test_a_resend_right_after_a_code_asks_first_and_says_why(login, agent):
    filing, leader, _ = submitted_filing()
    old = latest_code(leader.mobile)
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    client = login(agent)
    page = form_action(client, filing, "resend_code", confirm=False)
    html = page.content.decode()
    assert "Before you send a new code" in html and "they may be typing it" in html
    assert 'name="anyway"' in html
    refused = form_action(
        client, filing, "resend_code", verification=verification.pk, reason="lost"
    )
    assert "Nothing was sent" in refused.content.decode()
    assert latest_code(leader.mobile) == old
    form_action(
        client,
        filing,
        "resend_code",
        verification=verification.pk,
        reason="lost",
        anyway="on",
    )
    assert latest_code(leader.mobile) != old


def test_a_resend_while_another_agent_is_on_the_filing_asks_first(login, agent):
    filing, leader, _ = submitted_filing()
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Verification.objects.filter(filing=filing).update(code_issued_at=long_ago)
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    client = login(agent)
    page = form_action(client, filing, "resend_code", confirm=False)
    assert 'name="anyway"' not in page.content.decode()  # nothing to warn about
    presence.beat(filing.pk, make_staff("wang", "Support agent"))
    old = latest_code(leader.mobile)
    refused = form_action(
        client, filing, "resend_code", verification=verification.pk, reason="lost"
    )
    html = refused.content.decode()
    assert "Support agent wang also has" in html and "Nothing was sent" in html
    assert latest_code(leader.mobile) == old


def test_an_old_code_and_nobody_else_sends_without_asking(login, agent):
    filing, leader, _ = submitted_filing()
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Verification.objects.filter(filing=filing).update(code_issued_at=long_ago)
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    old = latest_code(leader.mobile)
    form_action(
        login(agent),
        filing,
        "resend_code",
        verification=verification.pk,
        reason="lost",
    )
    assert latest_code(leader.mobile) != old


def test_an_auditor_reading_along_is_no_reason_to_ask(login, agent, auditor):
    filing, leader, _ = submitted_filing()
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Verification.objects.filter(filing=filing).update(code_issued_at=long_ago)
    presence.beat(filing.pk, auditor)
    page = form_action(login(agent), filing, "resend_code", confirm=False)
    assert 'name="anyway"' not in page.content.decode()


def test_a_reader_keeps_rows_only_for_the_pages_they_have_open(login, agent):
    left, _, _ = submitted_filing()
    reading, _, _ = submitted_filing()
    long_ago = timezone.now() - presence.FRESH - datetime.timedelta(seconds=1)
    presence.beat(left.pk, agent, now=long_ago)
    login(agent).get(change_url(reading))
    assert list(
        Presence.objects.filter(user=agent).values_list("filing", flat=True)
    ) == [reading.pk]
