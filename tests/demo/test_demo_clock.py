"""The demo clock: time travel shows what it will do, asks to confirm, moves the whole
demo to the chosen time (nothing dated after it), carries the training scenarios
along unless asked, and goes back to now on SQLite."""

import datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from demo import clock, timetravel
from demo.models import DemoClock, TrainingRun
from filings.models import AuditEvent, FilingApplication
from infra import times
from infra.times import BEIJING
from tests.demo import stamps
from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage

URL = "/admin/demo/time-travel/"
BACK = "/admin/demo/time-travel/back/"
AHEAD = datetime.timedelta(hours=47)


# Travelling copies the SQLite database, which cannot happen inside the transaction
# an ordinary test runs in: these tests commit (and `reference_data` restores the
# groups and provinces the flush between them removes).
@pytest.fixture(autouse=True)
def demo(settings, tmp_path, reference_data):
    settings.DEMO_MODE = True
    settings.DEMO_CLOCK_SNAPSHOT = str(tmp_path / "before-travel.sqlite3")


@pytest.fixture
def filings(agent, supervisor):
    """A central filing whose 24-hour window closes within AHEAD, a provincial one
    whose next-day automatic resend falls within it (48-hour window), and a
    training scenario's central filing."""
    expiring, _, _ = submitted_filing("miit-current")
    resending, _, _ = submitted_filing("pilot-2017")
    training, _, _ = submitted_filing("miit-current")
    TrainingRun.objects.create(
        scenario="never_got_text", filing=training, trainee=agent, created_by=supervisor
    )
    return expiring, resending, training


def form(moment, **extra):
    local = moment.astimezone(BEIJING)
    return {
        "when_0": local.strftime("%Y-%m-%d"),
        "when_1": local.strftime("%H:%M"),
        **extra,
    }


def status(filing):
    return FilingApplication.objects.get(pk=filing.pk).status


def resends_of(filing):
    return SmsMessage.objects.filter(
        filing=filing, kind=SmsKind.VERIFICATION_CODE
    ).count()


def test_the_preview_says_what_will_happen_and_changes_nothing(
    login, supervisor, filings
):
    expiring, resending, training = filings
    before = resends_of(resending)
    html = login(supervisor).post(URL, form(timezone.now() + AHEAD)).content.decode()
    assert "return 1 filing to its provider" in html
    assert "send 2 automatic next-day resends" in html
    assert "extend the deadline of 1 training scenario that would pass" in html
    assert 'name="confirmed" value="1"' in html
    assert {status(f) for f in filings} == {"pending_verification"}
    assert resends_of(resending) == before
    assert not DemoClock.objects.exists() and clock.ahead() == clock.ZERO


def test_the_travel_does_what_the_preview_said(login, supervisor, filings):
    expiring, resending, training = filings
    when = timezone.now() + AHEAD
    plan = timetravel.plan(when)
    before = resends_of(resending)
    deadline = FilingApplication.objects.get(pk=training.pk).verification_deadline
    response = login(supervisor).post(URL, form(when, confirmed="1"), follow=True)
    html = response.content.decode()
    assert "1 filing returned as expired, 2 automatic resends sent" in html
    assert (plan.returned, plan.automatic_resends) == (1, 2)
    assert status(expiring) == "returned"
    assert resends_of(resending) == before + 2
    # the training scenario is still waiting: its deadline was extended by the
    # travel's length, by the system, and its timeline says so
    assert status(training) == "pending_verification"
    moved = FilingApplication.objects.get(pk=training.pk).verification_deadline
    assert moved - deadline == AHEAD
    extension = AuditEvent.objects.get(filing=training, event_type="deadline_extended")
    assert extension.actor_kind == "system" and extension.data["hours"] == 47
    # the demo runs at the chosen time (to the minute the form takes)
    assert abs(timezone.now() - when) < datetime.timedelta(minutes=2)
    assert DemoClock.objects.get().ahead > datetime.timedelta(hours=46)
    assert "Demo clock: the demo runs at" in html


def test_nothing_is_dated_after_the_demos_now(login, supervisor, filings):
    login(supervisor).post(URL, form(timezone.now() + AHEAD, confirmed="1"))
    assert stamps.stamps_after(timezone.now()) == {}
    # and things done after the travel carry the demo's time, not the real one
    later, _, _ = submitted_filing("miit-current")
    assert later.submitted_at > clock.real_now() + datetime.timedelta(hours=46)


def test_a_travel_returns_a_filing_at_its_deadlines_hour(login, supervisor, filings):
    expiring = filings[0]
    deadline = expiring.verification_deadline
    client = login(supervisor)
    client.post(URL, form(timezone.now() + AHEAD, confirmed="1"))
    expired = AuditEvent.objects.get(filing=expiring, event_type="expired")
    assert deadline <= expired.created_at < deadline + datetime.timedelta(hours=1)
    html = client.get("/admin/queue/").content.decode()
    assert expiring.reference in html
    assert times.duration_text(timezone.now() - expired.created_at) in html


def test_a_resend_due_before_a_deadline_goes_out_before_the_filing_expires(
    login, supervisor, filings
):
    resending = filings[1]  # 48-hour window; its automatic resend is due next day
    client = login(supervisor)
    preview = client.post(URL, form(timezone.now() + datetime.timedelta(hours=72)))
    assert "send 2 automatic next-day resends" in preview.content.decode()
    before = resends_of(resending)
    client.post(URL, form(timezone.now() + datetime.timedelta(hours=72), confirmed="1"))
    assert resends_of(resending) == before + 2 and status(resending) == "returned"
    resent = AuditEvent.objects.filter(filing=resending, event_type="code_resent")
    expired = AuditEvent.objects.get(filing=resending, event_type="expired")
    assert len(resent) == 2
    assert all(
        e.created_at < resending.verification_deadline <= expired.created_at
        for e in resent
    )


def test_training_scenarios_expire_when_the_supervisor_asks(login, supervisor, filings):
    _, _, training = filings
    client = login(supervisor)
    html = client.post(
        URL, form(timezone.now() + AHEAD, include_training="on")
    ).content.decode()
    assert "return 2 filings to their providers" in html
    assert "let the training scenarios" in html
    client.post(URL, form(timezone.now() + AHEAD, include_training="on", confirmed="1"))
    assert status(training) == "returned"


def test_every_page_shows_the_demo_clock_while_it_runs_ahead(
    client, login, supervisor, agent
):
    assert "Demo clock" not in client.get("/verify/").content.decode()
    login(supervisor).post(URL, form(timezone.now() + AHEAD, confirmed="1"))
    assert "Demo clock: the demo runs at" in client.get("/verify/").content.decode()
    agents_page = login(agent).get("/admin/").content.decode()
    assert "Demo clock: the demo runs at" in agents_page
    assert 'href="/admin/demo/time-travel/"' not in agents_page  # not theirs
    chinese = login(supervisor, "zh-hans").get("/admin/").content.decode()
    assert "演示时钟" in chinese


def test_a_second_travel_goes_on_from_the_first(login, supervisor):
    client = login(supervisor)
    client.post(URL, form(timezone.now() + datetime.timedelta(days=1), confirmed="1"))
    first = DemoClock.objects.get().ahead
    client.post(URL, form(timezone.now() + datetime.timedelta(days=1), confirmed="1"))
    assert DemoClock.objects.get().ahead - first > datetime.timedelta(hours=23)
    # "the future" is the demo's: a time between the real now and the demo's is past
    html = client.post(
        URL, form(clock.real_now() + datetime.timedelta(days=1))
    ).content.decode()
    assert "already at or past that time" in html


def test_a_time_beyond_ten_years_is_refused(login, supervisor):
    html = (
        login(supervisor)
        .post(URL, {"when_0": "9999-12-31", "when_1": "23:59"})
        .content.decode()
    )
    assert "within the next ten years" in html
    assert not DemoClock.objects.exists()


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="going back needs SQLite's backup API"
)
def test_back_to_now_restores_the_database_as_it_was(
    login, supervisor, filings, settings
):
    expiring, _, _ = filings
    client = login(supervisor)
    client.post(URL, form(timezone.now() + AHEAD, confirmed="1"))
    assert status(expiring) == "returned"
    html = client.get(URL).content.decode()
    assert "Back to now" in html
    response = client.post(BACK, follow=True)
    assert "back at the real time" in response.content.decode()
    assert status(expiring) == "pending_verification"
    assert clock.ahead() == clock.ZERO and timetravel.state() is None
    assert abs(timezone.now() - clock.real_now()) < datetime.timedelta(seconds=1)
    assert stamps.stamps_after(timezone.now()) == {}
    # going back twice (a double click) says so and changes nothing
    response = client.post(BACK, follow=True)
    assert "already runs at the real time" in response.content.decode()
    assert not Path(settings.DEMO_CLOCK_SNAPSHOT).exists()


@pytest.mark.skipif(connection.vendor == "sqlite", reason="PostgreSQL's answer")
def test_on_postgresql_back_to_now_is_unavailable(login, supervisor, filings):
    client = login(supervisor)
    client.post(URL, form(timezone.now() + AHEAD, confirmed="1"))
    html = client.get(URL).content.decode()
    assert "not available on PostgreSQL" in html
    response = client.post(BACK, follow=True)
    assert "is not available on PostgreSQL" in response.content.decode()
    assert status(filings[0]) == "returned" and timetravel.state() is not None


def test_going_back_is_for_supervisors(login, agent):
    assert login(agent).post(BACK).status_code == 403


class UnreachableCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionRefusedError("the cache is down")

        return fail


def test_a_cold_or_unreachable_cache_reads_the_clock_from_the_database(monkeypatch):
    DemoClock.objects.create(pk=DemoClock.ONLY, ahead=datetime.timedelta(hours=3))
    cache.delete(timetravel.CLOCK_CACHE_KEY)
    timetravel.load_clock()
    assert clock.ahead() == datetime.timedelta(hours=3)
    assert cache.get(timetravel.CLOCK_CACHE_KEY) == datetime.timedelta(hours=3)
    clock.set_ahead(clock.ZERO)
    monkeypatch.setattr(timetravel, "cache", UnreachableCache())
    timetravel.load_clock()
    assert clock.ahead() == datetime.timedelta(hours=3)


def test_a_long_travel_and_the_way_back_log_nobody_out(login, supervisor):
    """Sessions expire by the demo's clock: a travel moves their expiry with it, and
    going back keeps the sessions as they are (one made during the travel too)."""
    client = login(supervisor)
    far = timezone.now() + datetime.timedelta(days=40)
    response = client.post(URL, form(far, confirmed="1"), follow=True)
    assert "The demo is now at" in response.content.decode()
    assert client.get("/admin/").status_code == 200
    during = login(supervisor)
    if timetravel.can_go_back():
        assert (
            "back at the real time" in client.post(BACK, follow=True).content.decode()
        )
        assert during.get("/admin/").status_code == 200
        assert client.get("/admin/").status_code == 200


def test_a_second_confirm_for_the_same_time_is_a_form_error(login, supervisor):
    """A double click sends the confirmation twice: the second finds the demo there."""
    client = login(supervisor)
    data = form(timezone.now() + AHEAD, confirmed="1")
    assert client.post(URL, data).status_code == 303
    again = client.post(URL, data)
    assert again.status_code == 200
    assert "already at or past that time" in again.content.decode()
    # past the form (both clicks validated before either travelled): refused too
    with pytest.raises(timetravel.TravelRefused):
        timetravel.travel(timezone.now() - datetime.timedelta(seconds=1))


def test_back_at_the_real_time_says_so(login, supervisor):
    client = login(supervisor)
    response = client.post(BACK, follow=True).content.decode()
    assert "already runs at the real time" in response
    assert client.get(BACK).status_code == 303  # a reload: the page with the button


def test_the_preview_counts_the_resends_of_carried_training_scenarios(
    agent, supervisor
):
    training, _, _ = submitted_filing("pilot-2017")
    TrainingRun.objects.create(
        scenario="never_got_text", filing=training, trainee=agent, created_by=supervisor
    )
    when = FilingApplication.objects.get(pk=training.pk).verification_deadline
    when += datetime.timedelta(hours=1)  # its deadline passes: the travel extends it
    plan = timetravel.plan(when)
    assert plan.training_carried == 1 and plan.automatic_resends == 2
    outcome = timetravel.travel(when)
    assert outcome.automatic_resends == plan.automatic_resends
    assert status(training) == "pending_verification"


def test_the_dashboards_funnel_reads_the_demos_date(login, supervisor):
    client = login(supervisor)
    client.post(URL, form(timezone.now() + datetime.timedelta(days=3), confirmed="1"))
    html = client.get("/admin/").content.decode()
    demo_today = timezone.localtime(timezone.now(), BEIJING).date()
    assert f"to {demo_today:%Y-%m-%d}" in html or f"至 {demo_today:%Y-%m-%d}" in html
