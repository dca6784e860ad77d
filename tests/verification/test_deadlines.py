"""process_deadlines: expiry, the 12:00 next-day automatic resend, idempotence."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from filings.models import AuditEvent, FilingApplication
from infra.times import BEIJING
from tests.verification.helpers import latest_code, submitted_filing, verify_person
from verification import deadlines
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db

SUBMITTED = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=BEIJING)


def statuses(filing):
    return (
        FilingApplication.objects.get(pk=filing.pk).status,
        sorted(
            Verification.objects.filter(filing=filing).values_list("status", flat=True)
        ),
    )


@pytest.mark.parametrize(
    ("policy", "hours"),
    [
        ("pilot-2017", 48),
        ("provincial-2019", 48),
        ("miit-2020", 24),
        ("miit-current", 24),
    ],
)
def test_expires_exactly_at_the_deadline(policy, hours):
    filing, _, _ = submitted_filing(policy, now=SUBMITTED)
    deadline = SUBMITTED + datetime.timedelta(hours=hours)
    report = deadlines.process_deadlines(deadline - datetime.timedelta(seconds=1))
    assert report.expired_filings == 0
    assert statuses(filing)[0] == "pending_verification"
    report = deadlines.process_deadlines(deadline)
    assert (report.expired_filings, report.expired_verifications) == (1, 2)
    assert statuses(filing) == ("returned", ["expired", "expired"])
    event = AuditEvent.objects.get(filing=filing, event_type="expired")
    assert (event.reason, event.actor_kind, event.from_status, event.to_status) == (
        "expired",
        "system",
        "pending_verification",
        "returned",
    )


def test_running_twice_changes_nothing_more():
    filing, _, _ = submitted_filing(now=SUBMITTED)
    later = SUBMITTED + datetime.timedelta(days=3)
    deadlines.process_deadlines(later)
    events = AuditEvent.objects.count()
    messages = SmsMessage.objects.count()
    report = deadlines.process_deadlines(later)
    assert report.as_dict() == {
        "sandbox_steps": 0,
        "receipts_pulled": 0,
        "deliveries_unknown": 0,
        "expired_filings": 0,
        "expired_verifications": 0,
        "automatic_resends": 0,
        "expired_captchas": 0,
        "interrupted_sms": 0,
        "stranded_sms": 0,
        "reaped_tasks": 0,
        "reviews_approved": 0,
        "reviews_rejected": 0,
        "contact_checks_missed": 0,
    }
    assert (AuditEvent.objects.count(), SmsMessage.objects.count()) == (
        events,
        messages,
    )


def test_verified_people_stay_verified_when_the_filing_expires():
    filing, leader, _ = submitted_filing(now=SUBMITTED)
    verify_person(filing, leader, now=SUBMITTED + datetime.timedelta(hours=1))
    deadlines.process_deadlines(SUBMITTED + datetime.timedelta(days=2))
    assert statuses(filing) == ("returned", ["expired", "verified"])


def test_small_batches_expire_everything():
    filings = [submitted_filing(now=SUBMITTED)[0] for _ in range(5)]
    report = deadlines.process_deadlines(
        SUBMITTED + datetime.timedelta(days=3), batch_size=2
    )
    assert report.expired_filings == 5
    assert {statuses(f)[0] for f in filings} == {"returned"}


def sweep_statements(count):
    """Statements the expiry sends for `count` overdue filings (two people each)."""
    submitted = SUBMITTED + datetime.timedelta(days=count)
    filings = [submitted_filing(now=submitted)[0] for _ in range(count)]
    with CaptureQueriesContext(connection) as queries:
        expired = deadlines.expire_overdue(submitted + datetime.timedelta(days=1))
    assert expired == (count, 2 * count)
    assert all(statuses(f) == ("returned", ["expired", "expired"]) for f in filings)
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))
    ]


def test_expiry_statements_do_not_grow_with_the_number_of_filings():
    # one on PostgreSQL; on SQLite the audit events, the provider events, the
    # verifications and the filings, one statement each
    assert len(sweep_statements(3)) == len(sweep_statements(40)) <= 4


@pytest.mark.parametrize("microsecond", [0, 250])
def test_swept_filings_get_one_event_with_the_deadline(microsecond):
    filing, _, _ = submitted_filing(
        now=SUBMITTED.replace(second=7, microsecond=microsecond)
    )
    deadlines.process_deadlines(SUBMITTED + datetime.timedelta(days=3))
    filing.refresh_from_db()
    (event,) = AuditEvent.objects.filter(filing=filing, event_type="expired")
    assert (event.actor_kind, event.from_status, event.to_status, event.reason) == (
        "system",
        "pending_verification",
        "returned",
        "expired",
    )
    assert event.data == {"deadline": filing.verification_deadline.isoformat()}


def test_the_sweep_purges_expired_captchas_only():
    from captcha.models import CaptchaStore

    stale = CaptchaStore.objects.create(challenge="ABCD", response="abcd")
    CaptchaStore.objects.filter(pk=stale.pk).update(
        expiration=timezone.now() - datetime.timedelta(seconds=1)
    )
    live = CaptchaStore.objects.create(challenge="EFGH", response="efgh")
    report = deadlines.process_deadlines()
    assert report.expired_captchas == 1
    assert list(CaptchaStore.objects.values_list("pk", flat=True)) == [live.pk]


@pytest.mark.parametrize("policy", ["pilot-2017", "provincial-2019"])
def test_automatic_resend_at_noon_the_next_day(policy):
    filing, leader, admin = submitted_filing(policy, now=SUBMITTED)
    old_code = latest_code(leader.mobile)
    noon = datetime.datetime(2026, 3, 3, 12, 0, tzinfo=BEIJING)
    assert (
        deadlines.process_deadlines(
            noon - datetime.timedelta(minutes=1)
        ).automatic_resends
        == 0
    )
    report = deadlines.process_deadlines(noon)
    assert report.automatic_resends == 2
    assert (
        deadlines.process_deadlines(
            noon + datetime.timedelta(hours=1)
        ).automatic_resends
        == 0
    )
    new_code = latest_code(leader.mobile)
    assert new_code != old_code
    assert verify_person(filing, leader, new_code, now=noon).status == 31
    event = AuditEvent.objects.filter(filing=filing, event_type="code_resent").first()
    assert (event.actor_kind, event.data["trigger"]) == ("system", "automatic")
    # automatic resends do not use up the applicant's resends
    assert set(
        Verification.objects.filter(filing=filing).values_list("resends", flat=True)
    ) == {0}


def test_submission_just_before_midnight_resends_at_noon_the_next_day():
    late = datetime.datetime(2026, 3, 2, 23, 50, tzinfo=BEIJING)
    filing, _, _ = submitted_filing("pilot-2017", now=late)
    due = Verification.objects.filter(filing=filing).values_list(
        "auto_resend_due_at", flat=True
    )
    assert set(due) == {datetime.datetime(2026, 3, 3, 12, 0, tzinfo=BEIJING)}


@pytest.mark.parametrize("policy", ["miit-2020", "miit-current"])
def test_miit_policies_have_no_automatic_resend(policy):
    filing, _, _ = submitted_filing(policy, now=SUBMITTED)
    assert set(
        Verification.objects.filter(filing=filing).values_list(
            "auto_resend_due_at", flat=True
        )
    ) == {None}
    noon = datetime.datetime(2026, 3, 3, 12, 0, tzinfo=BEIJING)
    assert deadlines.process_deadlines(noon).automatic_resends == 0


def test_no_automatic_resend_for_the_verified_or_the_expired():
    filing, leader, _ = submitted_filing("pilot-2017", now=SUBMITTED)
    verify_person(filing, leader, now=SUBMITTED)
    noon = datetime.datetime(2026, 3, 3, 12, 0, tzinfo=BEIJING)
    assert (
        deadlines.process_deadlines(noon).automatic_resends == 1
    )  # the administrator only
    expired, _, _ = submitted_filing("pilot-2017", now=SUBMITTED)
    much_later = SUBMITTED + datetime.timedelta(days=5)
    report = deadlines.process_deadlines(much_later)
    assert report.automatic_resends == 0
    assert statuses(expired)[0] == "returned"


def test_command_with_now(run_command):
    filing, _, _ = submitted_filing(now=SUBMITTED)
    code, out, err = run_command("process_deadlines", "--now", "2026-03-04T00:00:00")
    assert code == 0, err
    assert (
        "2026-03-04T00:00:00+08:00: 1 filings returned as expired (2 verifications)"
        in out
    )
    assert statuses(filing)[0] == "returned"


def test_command_rejects_a_bad_time(run_command):
    code, _, err = run_command("process_deadlines", "--now", "tomorrow")
    assert code == 1
    assert "not an ISO 8601 time" in err


def test_sweep_as_a_task():
    from verification.deadlines import process_deadlines_task

    submitted_filing(now=SUBMITTED)
    result = process_deadlines_task.enqueue(now="2026-03-05T00:00:00+08:00")
    assert result.return_value["expired_filings"] == 1
