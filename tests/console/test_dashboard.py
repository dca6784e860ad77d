"""The admin front page: figures at a glance and the 30-day chart."""

import datetime

import pytest
from django.utils import timezone, translation

from console import dashboard
from tests.verification.helpers import submitted_filing, verify_person
from verification import actions as engine
from verification import deadlines

pytestmark = pytest.mark.django_db


def test_figures():
    now = timezone.now()
    soon, leader, _ = submitted_filing(now=now - datetime.timedelta(hours=23))
    submitted_filing(now=now)
    submitted_filing("pilot-2017", now=now)
    verify_person(soon, leader)
    engine.verify(engine.CENTRAL, "13312345678", "000000", "000000")
    data = dashboard.summary(use_cache=False)
    by_status = {value: n for value, _, n in data["by_status"]}
    assert by_status["pending_verification"] == 3 and by_status["approved"] == 0
    assert data["expiring_2h"] == 1  # the administrator of `soon`; its leader verified
    with translation.override("en"):
        data = dashboard.summary(use_cache=False)
    assert dict(data["attempts_today"]) == {
        "Verify · verified, others pending": 1,
        "Verify · no record found": 1,
    }
    rows = {row["province"].code: row for row in data["provinces"]}
    assert rows["bj"]["counts"][0] == 2 and rows["gs"]["counts"][0] == 1
    assert rows["bj"]["total"] == 2 and len(rows) == 31


def test_chart_counts_outcomes_per_day():
    now = timezone.now()
    filing, leader, admin = submitted_filing(now=now - datetime.timedelta(days=3))
    verify_person(filing, leader, now=now - datetime.timedelta(days=3))
    deadlines.process_deadlines(now)  # the administrator's verification expires today
    chart = dashboard.chart(now)
    assert chart["totals"] == {"verified": 1, "failed": 0, "expired": 1}
    assert len(chart["bars"]) == 2
    assert all(0 < bar["height"] <= chart["height"] for bar in chart["bars"])


def test_front_page_shows_the_dashboard(login, agent):
    submitted_filing()
    html = login(agent).get("/admin/").content.decode()
    assert 'id="dashboard"' in html and "<svg" in html and 'id="provinces"' in html


def test_dashboard_is_cached(django_assert_max_num_queries):
    dashboard.summary()
    with django_assert_max_num_queries(0):
        dashboard.summary()
