"""Contact checks after approval, end to end: a filing submitted through the API,
verified, approved by the simulated administration; a check opened by staff or a
campaign; the contacts texted a code in the simulator's words and confirming on the
verify page; a missed check listed in the queue, flagged and its access removed by a
supervisor; every step audited, told to the provider and counted in the campaign."""

import datetime
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from console import queue
from filings.models import (
    AuditEvent,
    FilingApplication,
    FilingStatus,
    Provider,
    ProviderEvent,
)
from integrations import keys
from tests.api.conftest import sample
from tests.console.conftest import change_url, form_action, messages_of
from tests.portal.helpers import post_form
from tests.verification.helpers import filing_in, last6, verify_person
from verification import actions, administration, contact_checks, deadlines, moves
from verification.models import (
    ContactCheck,
    ContactCheckCampaign,
    SmsKind,
    SmsMessage,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
CODE_RE = re.compile(r"验证码为(\d{6})")


@pytest.fixture
def approved(client, settings):
    """approved(reference) -> a filing submitted through the API, verified by its
    people and approved by the simulated administration."""
    settings.SIMULATED_ADMINISTRATION = True
    settings.SIMULATED_REVIEW_MINUTES = 0
    provider = Provider.objects.get(code="aliyun")
    _, key = keys.create_key(provider, "checks")

    def make(reference):
        for n in range(1000):  # a reference the administration approves
            name = f"{reference}-{n}"
            probe = FilingApplication(
                provider_id=provider.pk, reference=name, province_id="bj"
            )
            if administration.decide(probe).approves:
                break
        answer = client.post(
            "/api/v1/filings",
            data=sample(name, province="bj", policy="miit-current"),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert answer.status_code == 201, answer.content
        filing = FilingApplication.objects.get(reference=name)
        leader = filing.subject.leader
        administrator = filing.services.get().administrator
        verify_person(filing, leader)
        if administrator.mobile != leader.mobile:
            verify_person(filing, administrator)
        administration.process_reviews(timezone.now())
        filing.refresh_from_db()
        assert filing.status == FilingStatus.APPROVED
        return filing

    return make


def check_code(mobile):
    text = (
        SmsMessage.objects.filter(recipient=mobile, kind=SmsKind.CONTACT_CHECK_CODE)
        .latest("id")
        .text
    )
    return CODE_RE.search(text).group(1)


def told(filing):
    return [
        e.event_type
        for e in ProviderEvent.objects.filter(filing=filing).order_by("sequence")
    ]


def test_staff_open_a_check_and_the_contacts_confirm_on_the_verify_page(
    approved, login, supervisor, client
):
    filing = approved("CC")
    staff = login(supervisor)
    staff.cookies["django_language"] = "en"
    page = form_action(staff, filing, "open_contact_check", reason="annual check")
    print(messages_of(page))
    assert messages_of(page) == ["Open a contact check: 1 filing done."]
    check = ContactCheck.objects.get(filing=filing)
    assert check.status == "open"
    leader = filing.subject.leader
    administrator = filing.services.get().administrator
    text = SmsMessage.objects.filter(
        recipient=leader.mobile, kind=SmsKind.CONTACT_CHECK_CODE
    ).get()
    assert "工信部未公布此核验的页面文字" in text.text  # the simulator says so
    # A second check while one is open is refused, and says why.
    again = form_action(staff, filing, "open_contact_check", reason="again")
    assert ContactCheck.objects.filter(filing=filing).count() == 1
    assert any(
        "A contact check of this filing is open already." in m
        for m in messages_of(again)
    )
    # A wrong code: the simulator's words, nothing confirmed.
    client.cookies["django_language"] = "en"
    wrong = post_form(
        client,
        "/verify/",
        {"mobile": leader.mobile, "code": "000000", "cert_last6": last6(leader)},
    )
    import re as _re

    print(
        _re.findall(r'class="alert[^"]*"[^>]*>(.*?)</', wrong.content.decode(), _re.S)
    )
    print(wrong.redirect_chain)
    assert "code or certificate digits are wrong" in wrong.content.decode()
    assert ContactCheck.objects.get(pk=check.pk).status == "open"
    answer = post_form(
        client,
        "/verify/",
        {
            "mobile": leader.mobile,
            "code": check_code(leader.mobile),
            "cert_last6": last6(leader),
        },
    )
    body = answer.content.decode()
    if administrator.mobile != leader.mobile:
        assert "other contacts have still to confirm theirs" in body
        post_form(
            client,
            "/verify/",
            {
                "mobile": administrator.mobile,
                "code": check_code(administrator.mobile),
                "cert_last6": last6(administrator),
            },
        )
    check.refresh_from_db()
    assert check.status == "confirmed"
    assert "the MIIT publishes no page text for this check" in body
    events = list(
        AuditEvent.objects.filter(filing=filing)
        .order_by("id")
        .values_list("event_type", "actor_kind")
    )
    assert ("contact_check_opened", "staff") in events
    assert events[-1] == ("contact_check_confirmed", "system")
    assert told(filing)[-1] == "contact_check.confirmed"
    assert "contact_check.opened" in told(filing)
    assert "contact_check.contact_confirmed" in told(filing)


def test_a_missed_campaign_check_is_queued_flagged_and_its_access_removed(
    approved, login, supervisor, agent
):
    filing = approved("MISS")
    out = io.StringIO()
    call_command("open_contact_checks", "bj", "--name", "Beijing 2026", stdout=out)
    assert "1 checks opened" in out.getvalue()
    campaign = ContactCheckCampaign.objects.get()
    check = ContactCheck.objects.get(filing=filing)
    assert check.campaign == campaign
    # Near the deadline, the queue lists who has not confirmed.
    near = check.deadline - datetime.timedelta(hours=20)
    with translation.override("en"):
        row = next(
            r for r in queue.build(agent, now=near).rows if r.filing_id == filing.pk
        )
    assert queue.CONTACT_CHECK in row.reasons
    assert "have not confirmed; correction deadline" in row.sentences[0]
    # The sweep after the deadline marks it missed.
    report = deadlines.process_deadlines(check.deadline + datetime.timedelta(minutes=1))
    assert report.contact_checks_missed == 1
    check.refresh_from_db()
    assert check.status == "missed"
    with translation.override("zh-hans"):
        row = next(r for r in queue.build(agent).rows if r.filing_id == filing.pk)
    assert row.sentences[0].startswith("联系方式核验已于")
    with translation.override("en"):
        row = next(r for r in queue.build(agent).rows if r.filing_id == filing.pk)
    assert row.sentences[0].startswith("Contact check missed at ")
    assert told(filing)[-1] == "contact_check.missed"
    # An agent cannot remove the access; a supervisor can.
    form_action(login(agent), filing, "remove_access", reason="missed")
    filing.refresh_from_db()
    assert filing.status == FilingStatus.APPROVED
    staff = login(supervisor)
    form_action(staff, filing, "remove_access", reason="missed the campaign")
    filing.refresh_from_db()
    check.refresh_from_db()
    assert (filing.status, check.status) == (
        FilingStatus.CANCELLED,
        "access_removed",
    )
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert (event.event_type, event.from_status, event.to_status) == (
        "access_removed",
        "approved",
        "cancelled",
    )
    assert told(filing)[-1] == "filing.access_removed"
    # The campaign's funnel counts each stage.
    staff.cookies["django_language"] = "en"
    page = staff.get("/admin/contact-checks/").content.decode()
    assert "Beijing 2026" in page
    assert re.search(r"Filings checked</th><td>1<", page)
    assert re.search(r"Contacts confirmed</th><td>0<", page)
    assert re.search(r"Access removed</th><td>1<", page)
    page = staff.get(change_url(filing)).content.decode()
    assert "removed the filing&#x27;s access (missed contact check)" in page


def test_a_check_needs_an_approved_filing_and_access_removal_a_missed_check(
    approved,
):
    filing = approved("REF")
    under_review = filing_in(FilingStatus.UNDER_REVIEW)
    refused = pytest.raises(contact_checks.CheckRefused)
    with translation.override("en"):
        with refused as caught:
            contact_checks.remove_access_of(filing, actor=moves.SYSTEM, reason="x")
        assert str(caught.value) == "Only after a missed contact check."
        contact_checks.open_check(filing, actor=moves.SYSTEM)
        with refused as caught:
            contact_checks.open_check(filing, actor=moves.SYSTEM)
        assert "open already" in str(caught.value)
        with refused as caught:
            contact_checks.open_check(under_review, actor=moves.SYSTEM)
        assert str(caught.value).startswith("Only an approved filing is checked")
    assert not ContactCheck.objects.filter(filing=under_review).exists()


def test_too_many_wrong_codes_lock_the_contact_out(approved):
    filing = approved("LOCK")
    contact_checks.open_check(filing, actor=moves.SYSTEM)
    leader = filing.subject.leader
    answers = [
        contact_checks.confirm(leader.mobile, "000000", last6(leader))
        for _ in range(contact_checks.FAILURE_LIMIT)
    ]
    assert answers[:-1] == [contact_checks.Confirmed.WRONG] * 4
    assert answers[-1] == contact_checks.Confirmed.LOCKED
    right = contact_checks.confirm(
        leader.mobile, check_code(leader.mobile), last6(leader)
    )
    assert right == contact_checks.Confirmed.LOCKED
    assert contact_checks.confirm("13900000000", "123456", "123456") is None


def test_a_contact_also_waiting_on_another_filing_confirms_without_a_failure(
    approved, client
):
    filing = approved("BOTH")
    contact_checks.open_check(filing, actor=moves.SYSTEM)
    leader = filing.subject.leader
    # The same person is to verify a new filing of another subject.
    other = filing_in(FilingStatus.PENDING_VERIFICATION, subject__leader=leader)
    pending = other.verifications.get(mobile=leader.mobile)
    client.cookies["django_language"] = "en"
    page = post_form(
        client,
        "/verify/",
        {
            "mobile": leader.mobile,
            "code": check_code(leader.mobile),
            "cert_last6": last6(leader),
        },
    )
    assert "data-contact-check=" in page.content.decode()
    pending.refresh_from_db()
    assert (pending.status, pending.failed_attempts) == ("pending", 0)
    person = ContactCheck.objects.get(filing=filing).people.get(mobile=leader.mobile)
    assert person.confirmed_at is not None
    # Nothing on the page's own record says a wrong code was typed.
    assert not AuditEvent.objects.filter(
        filing=other, event_type="verification_failed"
    ).exists()


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["b\x00j"], "No province"),
        (["bj", "--limit", "0"], "must be 1 to"),
        (["bj", "--limit", "99999999999999999999"], "must be 1 to"),
        (["bj", "--now", "0001-01-01T00:00"], "outside the years"),
        (["bj", "--now", "9999-12-31T23:59"], "outside the years"),
        (["bj", "--now", "garbage"], "is not an ISO 8601 time"),
        (["bj"], "No campaign opened"),  # nothing approved to check
    ],
)
def test_open_contact_checks_refuses_cleanly_and_keeps_no_empty_campaign(
    arguments, said
):
    with pytest.raises(CommandError, match=said):
        call_command("open_contact_checks", *arguments, stdout=io.StringIO())
    assert not ContactCheckCampaign.objects.exists()


@pytest.mark.parametrize("command", ["process_reviews", "process_deadlines"])
@pytest.mark.parametrize("when", ["0001-01-01T00:00", "9999-12-31T23:59+00:00"])
def test_the_sweeps_refuse_a_time_outside_the_records_years(command, when, settings):
    settings.SIMULATED_ADMINISTRATION = True
    with pytest.raises(CommandError, match="outside the years"):
        call_command(command, "--now", when, stdout=io.StringIO())


def test_a_filing_flagged_for_access_removal_gets_no_new_check(approved):
    filing = approved("FLAG")
    check = contact_checks.open_check(filing, actor=moves.SYSTEM)
    contact_checks.mark_missed(check.deadline)
    with translation.override("en"), pytest.raises(contact_checks.CheckRefused) as no:
        contact_checks.open_check(filing, actor=moves.SYSTEM)
    assert "flagged for access removal" in str(no.value)


def test_whether_a_check_is_open_is_cached_and_set_when_one_opens(
    approved, django_assert_num_queries
):
    cache.delete(contact_checks.ANY_OPEN_KEY)
    with django_assert_num_queries(1):
        assert contact_checks.any_open() is False
    with django_assert_num_queries(0):
        assert contact_checks.any_open() is False
        assert contact_checks.confirm("13900000000", "123456", "123456") is None
    filing = approved("FLAGGED")
    contact_checks.open_check(filing, actor=moves.SYSTEM)
    with django_assert_num_queries(0):
        assert contact_checks.any_open() is True


def test_a_contact_checks_code_waits_for_the_throttle_like_any_entry(
    approved, settings
):
    filing = approved("THROTTLE")
    contact_checks.open_check(filing, actor=moves.SYSTEM)
    leader = filing.subject.leader
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_mobile": "2/h"}
    cache.clear()  # the leader's own verifications before are not counted here
    for n in range(2):
        wrong = actions.verify(
            actions.CENTRAL, leader.mobile, "000000", last6(leader), ip=f"10.0.1.{n}"
        )
        assert wrong.contact_check == contact_checks.Confirmed.WRONG
    right = actions.verify(
        actions.CENTRAL,
        leader.mobile,
        check_code(leader.mobile),
        last6(leader),
        ip="10.0.1.9",
    )
    assert right.throttled is not None and right.contact_check is None
    person = ContactCheck.objects.get(filing=filing).people.get(mobile=leader.mobile)
    assert (person.confirmed_at, person.failed_attempts) == (None, 2)
