"""Each person's first delivered code and first attempt are kept on their
verification, for the dashboard's funnel; the migration fills them for older rows."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.verification.helpers import last6, latest_code, submitted_filing
from verification import actions
from verification.models import Verification

pytestmark = pytest.mark.django_db


def test_delivery_and_the_first_attempt_are_stamped_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        filing, leader, _ = submitted_filing("miit-current")
    row = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert row.code_delivered_at is not None and row.first_attempt_at is None
    first = timezone.now()
    actions.verify(actions.CENTRAL, leader.mobile, "000000", "000000", now=first)
    later = first + datetime.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        actions.resend(actions.CENTRAL, leader.mobile, last6(leader), now=later)
    actions.verify(
        actions.CENTRAL,
        leader.mobile,
        latest_code(leader.mobile),
        last6(leader),
        now=later,
    )
    again = Verification.objects.get(pk=row.pk)
    assert again.first_attempt_at == first  # not moved by the later attempts
    assert again.code_delivered_at == row.code_delivered_at  # the first one's time
    assert again.status == "verified"


def test_an_uncounted_provincial_attempt_is_a_first_attempt():
    filing, leader, _ = submitted_filing("provincial-2019")
    channel = actions.Channel(filing.province_id)
    assert actions.verify(channel, leader.mobile, "000000", last6(leader)).status == 4
    row = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert row.first_attempt_at is not None and row.failed_attempts == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_older_rows(
    reference_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        filing, leader, _ = submitted_filing("miit-current")
    actions.verify(actions.CENTRAL, leader.mobile, "000000", "000000")
    Verification.objects.update(code_delivered_at=None, first_attempt_at=None)
    executor = MigrationExecutor(connection)
    executor.migrate([("verification", "0005_drop_redundant_fk_indexes")])
    executor = MigrationExecutor(connection)
    executor.migrate([("verification", "0006_wrong_part_and_funnel_flags")])
    # Only the columns 0006 knows: later migrations add others.
    row = Verification.objects.values("code_delivered_at", "first_attempt_at").get(
        filing=filing, mobile=leader.mobile
    )
    assert row["code_delivered_at"] is not None and row["first_attempt_at"] is not None
    executor = MigrationExecutor(connection)  # back to the latest for later tests
    executor.migrate(executor.loader.graph.leaf_nodes())
