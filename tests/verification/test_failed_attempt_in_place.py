"""A failed attempt changes no indexed column of the verification (not even
`updated_at`, which dates outcomes), so PostgreSQL updates the row in place (HOT)
and writes no index entry for it."""

import pytest
from django.db import connection

from tests.conftest import postgres_only
from tests.verification.helpers import submitted_filing, verify_person
from verification.models import Verification

pytestmark = pytest.mark.django_db


def test_a_failed_attempt_counts_and_keeps_updated_at():
    filing, leader, _ = submitted_filing()
    before = Verification.objects.get(filing=filing, mobile=leader.mobile)
    assert verify_person(filing, leader, "000000").status == 2
    after = Verification.objects.get(pk=before.pk)
    assert after.failed_attempts == before.failed_attempts + 1
    assert after.first_attempt_at is not None
    assert after.updated_at == before.updated_at


def _updates():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = %s",
            [Verification._meta.db_table],
        )
        return cursor.fetchone()


@postgres_only
def test_on_postgresql_it_is_an_update_in_place():
    filing, leader, _ = submitted_filing()
    verify_person(filing, leader, "000000")  # the first attempt is dated too
    updates, in_place = _updates()
    for _ in range(3):
        assert verify_person(filing, leader, "000000").status == 2
    after_updates, after_in_place = _updates()
    assert after_updates - updates == 3
    assert after_in_place - in_place == 3
