"""Writes sent together (`infra.sql.Writes`): nothing goes before `send()`,
everything goes then, in one statement on PostgreSQL, and a transaction that fails
before sending leaves nothing behind."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from filings.models import AuditEvent, FilingApplication
from infra import sql
from tests.factories import FilingFactory

pytestmark = pytest.mark.django_db


def _event(filing, event_type):
    return AuditEvent(filing=filing, actor_kind="system", event_type=event_type)


def test_nothing_is_written_before_send_and_everything_after():
    filing = FilingFactory(icp_number="")
    table = connection.ops.quote_name(FilingApplication._meta.db_table)
    with transaction.atomic():
        writes = sql.Writes()
        writes.insert(_event(filing, "submitted"))
        writes.execute(
            f"UPDATE {table} SET icp_number = %s WHERE id = %s",  # noqa: S608
            ["京ICP备00000001号", filing.pk],
        )
        writes.insert(_event(filing, "verified"))
        assert not AuditEvent.objects.filter(filing=filing).exists()
        with CaptureQueriesContext(connection) as queries:
            writes.send()
    expected = 1 if connection.vendor == "postgresql" else 3
    assert len(queries.captured_queries) == expected
    assert sorted(
        AuditEvent.objects.filter(filing=filing).values_list("event_type", flat=True)
    ) == ["submitted", "verified"]
    filing.refresh_from_db()
    assert filing.icp_number == "京ICP备00000001号"
    # Sent once: a second send writes nothing more.
    writes.send()
    assert AuditEvent.objects.filter(filing=filing).count() == 2


def test_a_failed_transaction_sends_nothing():
    filing = FilingFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        writes = sql.Writes()
        writes.insert(_event(filing, "submitted"))
        raise RuntimeError("before send")
    assert not AuditEvent.objects.filter(filing=filing).exists()


def test_one_write_alone_is_sent_as_it_is():
    filing = FilingFactory()
    writes = sql.Writes()
    writes.insert(_event(filing, "submitted"))
    with CaptureQueriesContext(connection) as queries:
        writes.send()
    assert len(queries.captured_queries) == 1
    assert "WITH" not in queries.captured_queries[0]["sql"]
    assert AuditEvent.objects.filter(filing=filing, event_type="submitted").exists()
