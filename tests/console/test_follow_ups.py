"""Follow-ups: "call back at" a Beijing time with a note; in the timeline; done when
the agent marks it or the filing leaves the waiting states."""

import datetime

import pytest
from django.utils import timezone, translation

from console import casework, story, timeline
from console.models import FollowUp
from filings import transitions
from filings.models import AuditEvent, EventType
from infra.times import BEIJING
from tests.console.conftest import change_url, messages_of
from tests.verification.helpers import submitted_filing
from verification import moves

pytestmark = pytest.mark.django_db


def url(filing, do):
    return f"/admin/filings/filingapplication/{filing.pk}/case/{do}/"


def tomorrow_at_ten():
    day = timezone.now().astimezone(BEIJING).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=BEIJING)


def test_set_from_the_filing_page_in_beijing_time(login, agent, settings):
    settings.TIME_ZONE = "UTC"  # the form still reads Beijing time
    filing, _, _ = submitted_filing()
    when = tomorrow_at_ten()
    response = login(agent).post(
        url(filing, "follow-up"),
        {
            "due_at_0": when.strftime("%Y-%m-%d"),
            "due_at_1": "10:00",
            "note": "ask if the code came",
        },
        follow=True,
    )
    assert messages_of(response) == [
        f"Follow-up set for {when:%Y-%m-%d} 10:00 (Beijing time)."
    ]
    follow_up = FollowUp.objects.get(filing=filing)
    assert follow_up.due_at == when
    html = response.content.decode()
    assert (
        f"Support agent agent set a follow-up for {when:%Y-%m-%d} 10:00: "
        "“ask if the code came”" in html
    )


@pytest.mark.parametrize(
    ("due", "said"),
    [
        (datetime.timedelta(hours=-1), "Choose a time in the future."),
        (datetime.timedelta(days=91), "Choose a time within the next 90 days."),
    ],
)
def test_a_time_outside_the_window_is_refused(agent, due, said):
    filing, _, _ = submitted_filing()
    with translation.override("en"), pytest.raises(casework.CaseRefused) as refused:
        casework.set_follow_up(filing, agent, timezone.now() + due, "x")
    assert str(refused.value) == said
    assert not FollowUp.objects.exists()


def test_a_closed_filing_has_nothing_to_follow_up(agent, supervisor):
    filing, _, _ = submitted_filing()
    moves.cancel_filing(filing, actor=transitions.Actor.staff(supervisor), reason="x")
    with translation.override("en"), pytest.raises(casework.CaseRefused) as refused:
        casework.set_follow_up(filing, agent, tomorrow_at_ten())
    assert "nothing is waiting on it" in str(refused.value)


def test_the_note_of_a_follow_up_obeys_the_privacy_rule(agent):
    filing, leader, _ = submitted_filing()
    with pytest.raises(casework.CaseRefused):
        casework.set_follow_up(
            filing, agent, tomorrow_at_ten(), f"call {leader.mobile}"
        )
    assert not FollowUp.objects.exists()


def test_marked_done_from_the_page(login, agent):
    filing, _, _ = submitted_filing()
    follow_up = casework.set_follow_up(filing, agent, tomorrow_at_ten(), "x")
    client = login(agent)
    assert "Follow-ups" in client.get(change_url(filing)).content.decode()
    response = client.post(
        url(filing, "follow-up-done"), {"follow_up": follow_up.pk}, follow=True
    )
    assert messages_of(response) == ["Follow-up done."]
    follow_up.refresh_from_db()
    assert follow_up.done_by == agent
    assert AuditEvent.objects.filter(event_type=EventType.FOLLOW_UP_DONE).exists()
    again = client.post(
        url(filing, "follow-up-done"), {"follow_up": follow_up.pk}, follow=True
    )
    assert messages_of(again) == ["This follow-up is done already."]


def test_the_timeline_says_it_in_chinese(agent):
    filing, _, _ = submitted_filing()
    when = tomorrow_at_ten()
    follow_up = casework.set_follow_up(filing, agent, when, "回电")
    casework.finish_follow_up(follow_up, agent)
    with translation.override("zh-hans"):
        lines = [e.sentence for e in timeline.timeline(story.load(filing), {})]
    stamp = f"{when:%Y-%m-%d} 10:00"
    assert f"客服专员 agent 设置了 {stamp} 的跟进：“回电”" in lines
    assert f"客服专员 agent 将 {stamp} 的跟进标记为完成" in lines


def test_the_nightly_command_closes_follow_ups_of_finished_filings(
    agent, supervisor, run_command, login
):
    waiting, _, _ = submitted_filing()
    finished, _, _ = submitted_filing()
    kept = casework.set_follow_up(waiting, agent, tomorrow_at_ten(), "a")
    closed = casework.set_follow_up(finished, agent, tomorrow_at_ten(), "b")
    moves.return_filing(finished, actor=transitions.Actor.staff(supervisor), reason="x")
    code, out, _ = run_command("close_follow_ups")
    assert (code, out.strip()) == (
        0,
        "1 follow-up(s) closed: their filing is no longer waiting.",
    )
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.done_at is None
    assert closed.done_at is not None and closed.done_by is None
    html = login(supervisor).get("/admin/console/followup/?state=done").content.decode()
    assert "the filing is “Returned to provider”" in html
    assert run_command("close_follow_ups")[1].startswith("0 follow-up(s) closed")
