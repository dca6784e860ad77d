"""The funnel's one-off aggregates are planned for their own values on PostgreSQL:
a plan prepared for any value (psycopg prepares a statement after its 5th use)
cannot use the partial index on the people still waiting, which made the 90-day
dashboard take 1.1 s instead of 0.3 s at a million filings (make bench)."""

import datetime

import pytest
from django.db import connection

from console import funnel

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's plan cache"
    ),
]


def test_the_funnel_is_planned_afresh_without_jit(monkeypatch):
    seen = {}
    first_open_day = funnel._first_open_day

    def recording():
        with connection.cursor() as cursor:
            for name in ("plan_cache_mode", "jit"):
                cursor.execute(f"SHOW {name}")
                seen[name] = cursor.fetchone()[0]
        return first_open_day()

    monkeypatch.setattr(funnel, "_first_open_day", recording)
    today = datetime.date.today()
    funnel.compute(today - datetime.timedelta(days=89), today)
    assert seen == {"plan_cache_mode": "force_custom_plan", "jit": "off"}
    with connection.cursor() as cursor:  # only for the funnel's own transaction
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "auto"
