"""Each verification keeps keyed hashes of its person's certificate tails, so the check
of typed digits reads that row alone; the migration and `rehash_certificates` fill it."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext, override_settings

from filings.models import Person, Service
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import actions, codes, messages, moves
from verification.models import Verification

pytestmark = pytest.mark.django_db


def stored(person, filing):
    return Verification.objects.get(filing=filing, mobile=person.mobile)


def test_each_verification_stores_the_keyed_hash_of_its_person_tail():
    filing, leader, admin = submitted_filing()
    for person in (leader, admin):
        row = stored(person, filing)
        assert row.certificate_hashes == codes.hash_certificate_tail(last6(person))
        assert last6(person) not in row.certificate_hashes
    assert stored(leader, filing).certificate_hashes != (
        stored(admin, filing).certificate_hashes
    )


def test_a_shared_mobile_accepts_each_of_its_people_tails():
    """A leader and an administrator with one mobile but two certificates: one
    verification, and either person's digits identify it."""
    leader = PersonFactory()
    admin = PersonFactory(mobile=leader.mobile)
    filing = FilingFactory(subject__leader=leader, services=[])
    filing.services.add(ServiceFactory(subject=filing.subject, administrator=admin))
    filing = moves.submit_filing(filing)
    row = stored(leader, filing)
    assert row.is_leader and row.is_administrator
    assert len(row.certificate_hashes.split(",")) == 2
    assert codes.certificate_matches(row.certificate_hashes, last6(admin).lower())
    code = latest_code(leader.mobile)
    outcome = actions.verify(actions.CENTRAL, leader.mobile, code, last6(admin))
    assert outcome.status == 3


def test_checking_digits_never_reads_people_services_or_certificates():
    filing, leader, admin = submitted_filing()
    tables = (Person._meta.db_table, Service._meta.db_table, "certificate_number")
    entries = [
        (leader.mobile, "000000", last6(leader)),  # wrong code: 2
        (leader.mobile, latest_code(leader.mobile), "00000X"),  # wrong digits: 2
        (leader.mobile, latest_code(leader.mobile), last6(leader)),  # 31
        (leader.mobile, latest_code(leader.mobile), last6(leader)),  # again: 20
    ]
    for mobile, code, cert in entries:
        with CaptureQueriesContext(connection) as queries:
            actions.verify(actions.CENTRAL, mobile, code, cert)
            actions.resend(actions.CENTRAL, admin.mobile, last6(admin))
        for query in queries.captured_queries:
            assert not any(table in query["sql"] for table in tables), query["sql"]


def test_after_a_key_change_nobody_matches_until_rehashed():
    filing, leader, _ = submitted_filing()
    with override_settings(VERIFICATION_CODE_SECRET="another-key-" * 4):
        outcome = actions.resend(actions.CENTRAL, leader.mobile, last6(leader))
        assert outcome.status == messages.RESEND_NOT_FOUND  # the digits no longer match
        out = io.StringIO()
        call_command("rehash_certificates", "--batch-size", "1", stdout=out)
        assert "1 of 2 verifications rehashed" in out.getvalue()
        assert "Rehashed 2 verifications." in out.getvalue()
        outcome = actions.resend(actions.CENTRAL, leader.mobile, last6(leader))
        assert outcome.status == messages.RESENT
        code = latest_code(leader.mobile)
        assert (
            actions.verify(actions.CENTRAL, leader.mobile, code, last6(leader)).status
            == 31
        )


def test_rehash_can_keep_to_the_pending_ones():
    filing, leader, admin = submitted_filing()
    actions.verify(
        actions.CENTRAL, leader.mobile, latest_code(leader.mobile), last6(leader)
    )
    Verification.objects.update(certificate_hashes="")
    out = io.StringIO()
    call_command("rehash_certificates", "--pending-only", stdout=out)
    assert "Rehashed 1 verification." in out.getvalue()
    assert stored(leader, filing).certificate_hashes == ""
    assert stored(admin, filing).certificate_hashes


def test_rehash_refuses_a_batch_size_below_one():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("rehash_certificates", "--batch-size", "0")


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_rows_written_before_the_column(reference_data):
    filing, leader, admin = submitted_filing()
    executor = MigrationExecutor(connection)
    executor.migrate([("verification", "0007_funnel_days")])
    executor = MigrationExecutor(connection)
    executor.migrate([("verification", "0008_certificate_hashes")])
    for person in (leader, admin):
        assert stored(person, filing).certificate_hashes == (
            codes.hash_certificate_tail(last6(person))
        )
    executor = MigrationExecutor(connection)  # back to the latest for later tests
    executor.migrate(executor.loader.graph.leaf_nodes())
