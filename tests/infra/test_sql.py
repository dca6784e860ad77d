"""Statements composed once: a row written by `insert` and read back through `Columns`
holds the same values as through the ORM, on either database."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from filings.models import AuditEvent, FilingApplication
from infra import sql
from tests.factories import FilingFactory
from verification.models import Attempt

pytestmark = pytest.mark.django_db


def test_insert_writes_what_save_would():
    filing = FilingFactory()
    event = sql.insert(
        AuditEvent(
            filing=filing,
            actor_kind="system",
            event_type="submitted",
            to_status="pending_verification",
            data={"roles": ["leader"], "deadline": None},
        )
    )
    assert event.pk and not event._state.adding
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.filing_id == filing.pk
    assert stored.data == {"roles": ["leader"], "deadline": None}
    assert stored.to_status == "pending_verification" and stored.from_status == ""
    # auto_now_add filled the time, aware, as save() would
    assert timezone.is_aware(stored.created_at)
    assert abs(stored.created_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_insert_prepares_addresses_and_keeps_nulls():
    attempt = sql.insert(
        Attempt(
            action="verify",
            channel="central",
            mobile="13800000000",
            status=None,
            reason="throttled_ip",
            wrong_part="",
            ip="2001:db8::1",
            user_agent="test",
        )
    )
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.ip == "2001:db8::1"
    assert stored.status is None and stored.verification_id is None
    assert stored.consecutive_failures is None


def test_columns_load_what_the_orm_loads():
    filing = FilingFactory(verification_deadline=timezone.now())
    columns = sql.Columns(connection, FilingApplication, "f")
    table = connection.ops.quote_name(FilingApplication._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.select} FROM {table} f WHERE f.id = %s",  # noqa: S608
            [filing.pk],
        )
        loaded = columns.load(connection, cursor.fetchone())
    expected = FilingApplication.objects.get(pk=filing.pk)
    for field in FilingApplication._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), (
            field.name
        )
    assert not loaded._state.adding
    assert timezone.is_aware(loaded.verification_deadline)


def test_a_statement_is_composed_once_per_connection():
    built = []

    def build(db):
        built.append(db)
        return object()

    first = sql.composed(build)
    assert sql.composed(build) is first
    assert built == [sql.default_connection()]
