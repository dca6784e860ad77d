"""The supervisors' team report: per agent and Beijing day, counted from the audit
trail, with the median time from taking a filing to done; on screen and as CSV."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from console import casework, escalations, overrides, team
from console.desk import TeamPeriodForm
from demo import clock
from infra.times import BEIJING
from tests.console.conftest import make_staff
from tests.verification.helpers import submitted_filing
from verification import moves

pytestmark = pytest.mark.django_db


def today():
    return timezone.localtime(timezone=BEIJING).date()


def test_each_agents_day_is_counted_from_the_audit_trail(agent, supervisor):
    first, _, _ = submitted_filing()
    second, _, _ = submitted_filing()
    casework.claim(first, agent)
    casework.add_note(first, agent, "called the customer")
    casework.add_note(second, agent, "left a message")
    escalations.ask(first, agent, "cancel", "duplicate filing")
    casework.assign(second, agent, supervisor)
    casework.release(first, agent)
    rows = {row.user_id: row for row in team.report(today(), today())}
    mine = rows[agent.pk]
    assert (mine.cases, mine.claims, mine.notes, mine.escalations) == (2, 1, 2, 1)
    assert len(mine.durations) == 1  # the claim, ended by the release
    boss = rows[supervisor.pk]
    assert (boss.cases, boss.claims, boss.notes) == (1, 0, 0)


def test_time_to_done_runs_from_the_take_to_the_filing_moving_on(agent, supervisor):
    filing, _, _ = submitted_filing()
    with clock.at(timezone.now() - datetime.timedelta(minutes=30)):
        casework.claim(filing, agent)
    moves.cancel_filing(filing, actor=moves.Actor.staff(supervisor), reason="dup")
    row = next(r for r in team.report(today(), today()) if r.user_id == agent.pk)
    assert datetime.timedelta(minutes=29) < row.median < datetime.timedelta(minutes=31)


def test_other_days_are_left_out(agent):
    filing, _, _ = submitted_filing()
    casework.add_note(filing, agent, "today")
    yesterday = today() - datetime.timedelta(days=1)
    assert team.report(yesterday, yesterday) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_and_its_csv_for_supervisors_only(login, agent, supervisor, language):
    filing, _, _ = submitted_filing()
    casework.claim(filing, agent)
    url = reverse("admin:team")
    assert login(agent).get(url).status_code == 403
    client = login(supervisor, language)
    page = client.get(url).content.decode()
    assert {"en": "Support agent agent", "zh-hans": "客服专员 agent"}[language] in page
    answer = client.get(url, {"format": "csv", "start": "", "end": ""})
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert (
        rows[0][0]
        == {"en": "day (Beijing time)", "zh-hans": "日期（北京时间）"}[language]
    )
    assert rows[1][:4] == [today().isoformat(), rows[1][1], "1", "1"]


def test_a_period_longer_than_a_month_or_out_of_range_is_bounded(login, supervisor):
    make_staff("wang", "Support agent")
    client = login(supervisor)
    for query in (
        {"start": "2026-01-01", "end": "2026-12-31"},
        {"start": "2026-12-31", "end": "2026-01-01"},
        {"start": "0001-01-01", "end": "0001-01-01"},
        {"start": "9999-12-31", "end": "9999-12-31", "format": "csv"},
        {"start": "x\x00", "end": "9999-99-99"},
    ):
        answer = client.get(reverse("admin:team"), query)
        assert answer.status_code in (200, 400), query
        if "\x00" not in query["start"]:
            assert answer.status_code == 200, query
    assert (
        team_period("2026-01-01", "2026-12-31")[1]
        - team_period("2026-01-01", "2026-12-31")[0]
    ).days == 30
    start, end = team_period("9999-12-31", "9999-12-31")
    assert start == end == today()
    page = client.get(reverse("admin:team"), {"start": "garbage"}).content.decode()
    assert "could not be read" in page


def test_a_verification_completed_by_the_last_person_is_not_another_override(
    agent, supervisor
):
    filing, leader, admin = submitted_filing()
    for person in (leader, admin):
        verification = filing.verifications.get(mobile=person.mobile)
        overrides.run_named(
            "mark_verified",
            filing,
            {"reason": "checked", "verification": verification},
            moves.Actor.staff(supervisor),
        )
    row = next(r for r in team.report(today(), today()) if r.user_id == supervisor.pk)
    assert row.overrides == 2


def team_period(start, end):
    return TeamPeriodForm({"start": start, "end": end}).period()
