"""The verify's one locking statement takes a filing's lock before its verifications'
locks, the order every other writer uses: a staff action holding the filing and then
asking for a verification does not deadlock with it."""

import threading
import time

import pytest
from django.db import connection, transaction

from filings.models import FilingApplication
from tests.concurrency import race
from tests.conftest import postgres_only
from tests.verification.helpers import latest_code, submitted_filing, verify_person
from verification.models import Verification

pytestmark = [
    postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def _wait_for_a_waiting_lock(timeout=10):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_verify_waits_for_the_filing_before_locking_any_verification():
    filing, leader, _ = submitted_filing()
    code = latest_code(leader.mobile)
    filing_locked = threading.Event()

    def staff_action():
        with transaction.atomic():
            FilingApplication.objects.select_for_update().get(pk=filing.pk)
            filing_locked.set()
            # The verify below is now queued on the filing: had it locked the
            # verification first, this would deadlock.
            waited = _wait_for_a_waiting_lock()
            list(Verification.objects.select_for_update().filter(filing=filing))
            return waited

    def verify():
        filing_locked.wait(10)
        return verify_person(filing, leader, code)

    waited, outcome = race([staff_action, verify])
    assert waited is True, waited
    assert not isinstance(outcome, Exception), outcome
    assert outcome.status == 31
    assert Verification.objects.get(filing=filing, mobile=leader.mobile).status == (
        "verified"
    )
