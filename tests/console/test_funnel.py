"""The dashboard's funnel against hand-built filings whose fates are known."""

import csv
import datetime
import io

import pytest
from django.db.models import F
from django.utils import timezone, translation

from console import funnel
from filings import transitions
from filings.models import Provider
from infra import scope
from infra.times import BEIJING
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import actions, deadlines, moves
from verification.models import FunnelDay, SmsMessage, Verification

pytestmark = pytest.mark.django_db


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture
def fates(django_capture_on_commit_callbacks):
    """Nine filings, eleven people, each with a known way through (or not)."""
    now = timezone.now()
    later = now + datetime.timedelta(hours=25)  # past every deadline but one

    def submit(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):  # texts delivered
            return submitted_filing("miit-current", now=now, **kwargs)

    def verify(person, minutes, code=None):
        return actions.verify(
            actions.CENTRAL,
            person.mobile,
            code or latest_code(person.mobile),
            last6(person),
            now=now + datetime.timedelta(minutes=minutes),
        )

    both, leader, admin = submit()  # both verify: under review
    verify(leader, 10)
    verify(admin, 20)
    # never delivered: its texts stay queued (their delivery is never run)
    undelivered, _, _ = submitted_filing("miit-current", now=now, same_person=True)
    assert not SmsMessage.objects.filter(filing=undelivered, status="sent").exists()
    submit(same_person=True)  # delivered, never tried
    _, tries, _ = submit(same_person=True)  # two wrong codes, then the deadline
    for _ in range(2):
        verify(tries, 1, code=wrong(latest_code(tries.mobile)))
    _, limit, _ = submit(same_person=True)  # five wrong codes
    for _ in range(5):
        verify(limit, 1, code=wrong(latest_code(limit.mobile)))
    _, capped, _ = submit(same_person=True)  # resends past the cap of 2
    for _ in range(3):
        actions.resend(actions.CENTRAL, capped.mobile, last6(capped))
    half, half_leader, _ = submit()  # the leader verifies, the administrator never
    verify(half_leader, 30)
    deadlines.process_deadlines(later)
    with django_capture_on_commit_callbacks(execute=True):
        submitted_filing("miit-current", now=later - datetime.timedelta(hours=1))
    withdrawn, _, _ = submit(same_person=True)
    moves.cancel_filing(withdrawn, actor=transitions.PROVIDER, reason="withdrawn")
    today = now.astimezone(BEIJING).date()
    return today


def test_the_stages(fates):
    found = funnel.compute(fates, fates)
    stages = {key: found.total.stages[key] for key, _ in funnel.STAGES}
    assert stages == {
        "sent": 12,
        "delivered": 11,
        "attempted": 5,
        "verified": 3,
        "reviewed": 2,
    }


def test_the_losses_are_named(fates):
    found = funnel.compute(fates, fates)
    assert found.total.losses == {
        "not_delivered": 1,
        "never_tried": 2,  # one alone, one whose co-verifier verified
        "wrong_entries": 1,
        "failure_limit": 1,
        "resend_cap": 1,
        "others_missing": 1,
        "waiting": 2,  # the late filing's leader and administrator
        "withdrawn": 1,
    }
    # every person not under review is counted once, under one name
    assert sum(found.total.losses.values()) == 12 - 2


def test_time_to_verification(fates):
    found = funnel.compute(fates, fates)
    assert found.median == datetime.timedelta(minutes=20)
    assert found.p90 == datetime.timedelta(minutes=30)  # nearest rank of 10, 20, 30


def test_breakdowns_add_up(fates):
    found = funnel.compute(fates, fates)
    with translation.override("en"):
        carriers = funnel.compute(fates, fates).breakdowns["carrier"]
    assert [(f.label, f.sent) for f in carriers] == [("China Mobile", 12)]
    for key, _ in funnel.BREAKDOWNS:
        rows = found.breakdowns[key]
        assert sum(f.sent for f in rows) == 12, key
        assert sum(f.stages["reviewed"] for f in rows) == 2, key
    with translation.override("zh-hans"):
        provinces = funnel.compute(fates, fates).breakdowns["province"]
    assert [(f.label, f.sent) for f in provinces] == [("北京市", 12)]


def test_another_period_is_empty(fates):
    found = funnel.compute(
        fates - datetime.timedelta(days=40), fates - datetime.timedelta(days=10)
    )
    assert found.total.sent == 0 and found.median is None


def test_the_period_defaults_and_limits():
    today = datetime.date(2026, 12, 1)
    assert funnel.period(today=today) == (datetime.date(2026, 11, 2), today)
    start, end = funnel.period(datetime.date(2020, 1, 1), today, today=today)
    assert (end - start).days == funnel.MAX_DAYS - 1
    # reversed dates are put in order; the future is cut to today
    assert funnel.period(today, datetime.date(2026, 11, 1), today=today) == (
        datetime.date(2026, 11, 1),
        today,
    )
    assert funnel.period(None, datetime.date(2027, 1, 1), today=today)[1] == today


def test_csv_export(fates, login, agent):
    client = login(agent)
    response = client.get(f"/admin/funnel.csv?start={fates}&end={fates}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "Breakdown",
        "Group",
        "Codes sent",
        "Texts delivered",
        "First attempt",
        "Verified",
        "Under review",
    ]
    assert rows[1][:7] == ["All", "All", "12", "11", "5", "3", "2"]
    assert ["Carrier", "China Mobile", "12"] in [row[:3] for row in rows]


def test_the_dashboard_shows_the_funnel(fates, login, agent):
    html = login(agent).get(f"/admin/?start={fates}&end={fates}&by=policy").content
    text = html.decode()
    assert 'id="funnel"' in text and "Where verifications are lost" in text
    assert "Text not delivered" in text and "By Policy" in text
    assert "median 20 min, 90th percentile 30 min" in text
    # a bad date is not an error: the default period is shown
    assert login(agent).get("/admin/?start=yesterday").status_code == 200


def test_finished_days_are_kept_and_read_back(fates):
    """Days whose people have all finished are computed once and then read from the
    stored rows; a day with someone still waiting is always computed afresh."""
    three_days_ago = fates - datetime.timedelta(days=3)
    final = Verification.objects.exclude(status="pending")
    final.update(created_at=F("created_at") - datetime.timedelta(days=3))
    found = funnel.compute(three_days_ago, fates)
    assert found.total.sent == 12  # the same people, now over two days
    stored = FunnelDay.objects.filter(day=three_days_ago, sent__gt=0)
    assert sum(stored.values_list("sent", flat=True)) == 10
    assert not FunnelDay.objects.filter(day=fates).exists()  # today stays open
    # the two days in between had nobody: kept as empty days, not computed again
    empty = FunnelDay.objects.filter(day__gt=three_days_ago, day__lt=fates)
    assert empty.count() == 2 and not empty.filter(sent__gt=0).exists()
    # read back, not recomputed: a change to the stored rows shows
    row = stored.first()
    FunnelDay.objects.filter(pk=row.pk).update(sent=F("sent") + 100)
    assert funnel.compute(three_days_ago, fates).total.sent == 112


def test_a_day_with_someone_waiting_is_not_kept(fates):
    yesterday = fates - datetime.timedelta(days=1)
    Verification.objects.update(created_at=timezone.now() - datetime.timedelta(days=1))
    assert funnel.compute(yesterday, fates).total.sent == 12
    assert not FunnelDay.objects.exists()  # two people of yesterday still wait


def test_the_command_keeps_finished_days_ahead(fates, run_command):
    Verification.objects.exclude(status="pending").update(
        created_at=F("created_at") - datetime.timedelta(days=3)
    )
    code, out, err = run_command("keep_funnel_days", days=10)
    assert code == 0, err
    # ten days back from today: the oldest person still waiting is today's, so the
    # nine days before today are finished (one with people, eight empty)
    assert "9 day(s) newly kept of the last 10" in out
    assert FunnelDay.objects.filter(sent__gt=0).exists()
    code, out, _ = run_command("keep_funnel_days", days=10)
    assert "0 day(s) newly kept" in out
    code, _, err = run_command("keep_funnel_days", days=0)
    assert code != 0 and "--days must be between 1 and 366" in err


def test_a_providers_staff_read_their_providers_funnel(fates):
    """Kept days and open ones alike, figures and times are the provider's own."""
    aliyun, tencent = (Provider.objects.get(code=c).pk for c in ("aliyun", "tencent"))
    three_days_ago = fates - datetime.timedelta(days=3)
    final = Verification.objects.exclude(status="pending")
    final.update(created_at=F("created_at") - datetime.timedelta(days=3))
    everyone = funnel.compute(three_days_ago, fates)  # keeps the finished days
    assert FunnelDay.objects.filter(sent__gt=0).exists()
    with scope.provider_scope(aliyun):
        own = funnel.compute(three_days_ago, fates)
    with scope.provider_scope(tencent):
        other = funnel.compute(three_days_ago, fates)
    assert (own.total.sent, own.median, own.p90) == (12, everyone.median, everyone.p90)
    assert (other.total.sent, other.median, other.p90) == (0, None, None)
    assert other.breakdowns["provider"] == []
