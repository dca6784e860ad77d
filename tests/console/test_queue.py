"""The work queue: each reason puts a filing in it with its words; the most urgent
first; filters; and a number of queries that does not grow with the page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from console import casework, queue
from filings import transitions
from tests.console.conftest import make_staff
from tests.verification.helpers import submitted_filing
from verification import moves
from verification.models import SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db

URL = "/admin/queue/"
HOUR = datetime.timedelta(hours=1)


def due_in(hours):
    """A pending filing (24 h policy) whose deadline is `hours` from now."""
    filing, leader, admin = submitted_filing(
        now=timezone.now() - datetime.timedelta(hours=24 - hours)
    )
    return filing


def reasons_of(user, filing, **filters):
    page = queue.build(user, **filters)
    for row in page.rows:
        if row.filing_id == filing.pk:
            return row
    return None


def test_a_deadline_within_the_window_with_someone_to_verify(agent, settings):
    soon, later = due_in(2), due_in(12)
    with translation.override("en"):
        row = reasons_of(agent, soon)
    assert set(row.reasons) == {queue.DEADLINE_SOON}
    assert row.sentences[0].startswith("Deadline in 1 h 59 min; not verified yet: ")
    assert "Entity leader (" in row.sentences[0]
    assert "), Website/app administrator (" in row.sentences[0]
    assert reasons_of(agent, later) is None
    settings.QUEUE_DEADLINE_HOURS = 13
    assert reasons_of(agent, later) is not None


def test_a_text_that_was_not_delivered(agent):
    filing, leader, _ = submitted_filing()
    verification = filing.verifications.get(mobile=leader.mobile)
    SmsMessage.objects.filter(verification=verification).update(status=SmsStatus.FAILED)
    with translation.override("zh-hans"):
        row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.TEXT_FAILED}
    masked = f"{leader.mobile[:3]}****{leader.mobile[-4:]}"
    assert row.sentences == [f"发给主体负责人（{masked}）的最近一条短信未送达"]


def test_a_text_that_has_not_left(agent, settings):
    """The only worker died after taking the text's task: the text waits, queued,
    past SMS_STALE_QUEUED_SECONDS; the desk sees it before the customer calls."""
    filing, leader, _ = submitted_filing()
    verification = filing.verifications.get(mobile=leader.mobile)
    texts = SmsMessage.objects.filter(verification=verification)
    texts.update(status=SmsStatus.QUEUED, created_at=timezone.now() - 3 * HOUR)
    assert reasons_of(agent, filing) is not None
    with translation.override("en"):
        row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.TEXT_STUCK}
    masked = f"{leader.mobile[:3]}****{leader.mobile[-4:]}"
    assert row.sentences == [
        f"The last text to Entity leader ({masked}) has not left yet; the "
        "deadline sweep sends it, or a fresh code"
    ]
    # A moment ago: still on its way, not in the queue.
    texts.update(created_at=timezone.now())
    assert reasons_of(agent, filing) is None


def test_a_text_whose_retry_waits_its_turn_is_not_stuck(
    agent, settings, django_capture_on_commit_callbacks
):
    """A retry deferred with back-off (240 s before the 5th attempt) has its task
    queued: on its way, not in the queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        filing, leader, _ = submitted_filing()
    verification = filing.verifications.get(mobile=leader.mobile)
    SmsMessage.objects.filter(verification=verification).update(
        status=SmsStatus.QUEUED, created_at=timezone.now() - 3 * HOUR
    )
    assert reasons_of(agent, filing) is None


def test_a_person_one_failure_from_the_limit(agent):
    filing, leader, _ = submitted_filing()
    filing.verifications.filter(mobile=leader.mobile).update(failed_attempts=4)
    with translation.override("en"):
        row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.ONE_FROM_LIMIT}
    assert (
        "has failed 4 times in a row; one more returns the filing" in row.sentences[0]
    )
    filing.verifications.filter(mobile=leader.mobile).update(failed_attempts=3)
    assert reasons_of(agent, filing) is None


def test_a_return_in_the_last_24_hours(agent, supervisor):
    filing, _, _ = submitted_filing()
    moves.return_filing(
        filing, actor=transitions.Actor.staff(supervisor), reason="wrong domain"
    )
    with translation.override("en"):
        row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.RETURNED}
    assert row.sentences == [
        "Returned to the provider under a minute ago; the customer may call"
    ]
    later = timezone.now() + datetime.timedelta(hours=25)
    assert all(r.filing_id != filing.pk for r in queue.build(agent, now=later).rows)


def test_a_follow_up_that_is_due(agent):
    filing, _, _ = submitted_filing()
    past = timezone.now() - 2 * HOUR
    casework.set_follow_up(filing, agent, past + HOUR, "ring back", now=past)
    with translation.override("en"):
        row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.FOLLOW_UP_DUE}
    assert row.sentences[0].endswith(", set by agent: “ring back”")
    casework.finish_follow_up(filing.follow_ups.get(), agent)
    assert reasons_of(agent, filing) is None


def test_a_follow_up_closes_when_the_filing_leaves_the_waiting_states(
    agent, supervisor
):
    filing, _, _ = submitted_filing()
    past = timezone.now() - 2 * HOUR
    casework.set_follow_up(filing, agent, past + HOUR, "ring back", now=past)
    moves.cancel_filing(filing, actor=transitions.Actor.staff(supervisor), reason="x")
    assert reasons_of(agent, filing) is None
    filing.refresh_from_db()
    assert casework.open_follow_ups(filing) == []


def test_the_least_time_left_comes_first(agent, supervisor):
    later, sooner = due_in(5), due_in(1)
    returned, _, _ = submitted_filing()
    moves.return_filing(returned, actor=transitions.Actor.staff(supervisor), reason="x")
    order = [r.filing_id for r in queue.build(agent).rows]
    assert order == [sooner.pk, later.pk, returned.pk]


def test_filters_by_reason_province_provider_policy_and_owner(agent):
    soon = due_in(2)
    other = make_staff("li", "Support agent")
    mine, theirs = due_in(3), due_in(4)
    casework.claim(mine, agent)
    casework.claim(theirs, other)
    ids = lambda **f: {r.filing_id for r in queue.build(agent, **f).rows}  # noqa: E731
    assert ids() == {soon.pk, mine.pk, theirs.pk}
    assert ids(owner="mine") == {mine.pk}
    assert ids(owner="unassigned") == {soon.pk}
    assert ids(reason=queue.RETURNED) == set()
    assert ids(province="bj") == {soon.pk, mine.pk, theirs.pk}
    assert ids(province="gs") == set()
    assert ids(provider="aliyun") == {soon.pk, mine.pk, theirs.pk}
    assert ids(provider="tencent") == set()
    assert ids(policy="miit-2020") == set()


def test_the_page_in_both_languages(login, agent):
    filing = due_in(2)
    casework.claim(filing, agent)
    english = login(agent, "en").get(URL + "?owner=mine").content.decode()
    assert filing.reference in english
    assert "Deadline in 1 h 59 min" in english
    assert "1 filing needs a person." in english
    chinese = login(agent, "zh-hans").get(URL).content.decode()
    assert "距截止还有 1小时59分钟；尚未核验：" in chinese
    assert "1 件备案需要人工处理。" in chinese
    assert "客服专员 agent" in chinese


def test_the_queue_is_linked_from_the_front_page(login, agent):
    html = login(agent).get("/admin/").content.decode()
    assert 'href="/admin/queue/"' in html
    assert 'href="/admin/queue/?owner=mine"' in html


def in_queue_for_every_reason(hours, agent, supervisor):
    filing = due_in(hours)
    casework.claim(filing, agent)
    past = timezone.now() - 2 * HOUR
    casework.set_follow_up(filing, agent, past + HOUR, "ring", now=past)
    filing.verifications.update(failed_attempts=4)
    SmsMessage.objects.filter(filing=filing).update(status=SmsStatus.FAILED)
    returned, _, _ = submitted_filing()
    moves.return_filing(returned, actor=transitions.Actor.staff(supervisor), reason="x")


def test_the_number_of_queries_does_not_grow_with_the_page(login, agent, supervisor):
    client = login(agent)
    in_queue_for_every_reason(1, agent, supervisor)
    client.get(URL)
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).context["page"].total == 2
    for hours in range(2, 6):
        in_queue_for_every_reason(hours, agent, supervisor)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(URL).context["page"].total == 10
    assert len(ten) == len(one)


def test_a_follow_up_overdue_for_a_month_leaves_the_queue(agent, supervisor):
    filing, _, _ = submitted_filing()
    past = timezone.now() - datetime.timedelta(days=31)
    casework.set_follow_up(filing, agent, past + HOUR, "ring back", now=past)
    assert reasons_of(agent, filing) is None
    filing.refresh_from_db()
    assert len(casework.open_follow_ups(filing)) == 1  # still on its page


def test_a_bad_filter_value_leaves_the_other_filters_in_force(client, agent):
    """Once one unknown value dropped every filter: "Mine" stayed selected and the
    page listed everyone's filings."""
    other = make_staff("li", "Support agent")
    mine, theirs = due_in(3), due_in(4)
    casework.claim(mine, agent)
    casework.claim(theirs, other)
    client.force_login(agent)
    page = client.get(URL, {"owner": "mine", "province": "zz", "reason": "bogus"})
    assert page.status_code == 200
    shown = {row.filing_id for row in page.context["page"].rows}
    assert shown == {mine.pk}
