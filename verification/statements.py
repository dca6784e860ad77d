"""The statements of the verify and resend path, composed once per database
connection (see `infra.sql`): the lock step, the look-up of a mobile with
nothing pending, and the two updates a verify's outcome writes.

Locking: `lock_pending` locks each filing before its verifications, in filing order,
in one statement; the filing transitions and the deadline sweep take the same order.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

from filings.models import FilingApplication
from infra.sql import Columns, Writes, column_name, composed
from verification.models import Verification, VerificationStatus

# Filings locked for a mobile, each with all its verifications, in id order.
Pending = list[tuple[FilingApplication, list[Verification]]]


class Statements:
    """The path's statements for one connection (one vendor, one thread)."""

    def __init__(self, db: BaseDatabaseWrapper) -> None:
        quote = db.ops.quote_name
        self.filing = Columns(db, FilingApplication, "f")
        self.verification = Columns(db, Verification, "v")
        filings = quote(FilingApplication._meta.db_table)
        verifications = quote(Verification._meta.db_table)
        lock = " FOR UPDATE OF f, v" if db.features.has_select_for_update_of else ""
        self._lock: dict[bool, str] = {}
        self._latest: dict[bool, str] = {}
        self._lock_or_latest: dict[bool, str] = {}
        for provincial in (False, True):
            self._compose_reads(provincial, filings, verifications, lock)
        self._compose_updates(quote, verifications)

    def _compose_reads(
        self, provincial: bool, filings: str, verifications: str, lock: str
    ) -> None:
        """The reads of the central channel or (`provincial`) of a province's."""
        # Positions (from 1) in the combined statement: its marker, then the row.
        verification_id = (
            2
            + self.filing.width
            + [f.attname for f in self.verification.fields].index("id")
        )
        channel = "f.policy IN (%s, %s)" + (
            " AND f.province_id = %s" if provincial else ""
        )
        # Every verification of the filings where this mobile is pending: whether
        # a verify completes its filing is known without another statement.
        self._lock[provincial] = (
            f"SELECT {self.filing.select}, {self.verification.select} "  # noqa: S608
            f"FROM {filings} f JOIN {verifications} v ON v.filing_id = f.id "
            f"WHERE f.id IN (SELECT p.filing_id FROM {verifications} p "
            f"WHERE p.mobile = %s AND p.status = %s) AND {channel} "
            f"ORDER BY f.id, v.id{lock}"
        )
        self._latest[provincial] = (
            f"SELECT {self.verification.select} FROM {verifications} v "  # noqa: S608
            f"JOIN {filings} f ON f.id = v.filing_id "
            f"WHERE v.mobile = %s AND {channel} ORDER BY v.id DESC LIMIT 1"
        )
        # Both in one statement: the pending rows, locked, or if there are none
        # the newest verification (marked 1), for the answer to a mobile with
        # nothing pending.
        self._lock_or_latest[provincial] = (
            f"WITH pending AS ({self._lock[provincial]}) "  # noqa: S608
            f"SELECT 0, pending.* FROM pending UNION ALL SELECT * FROM (SELECT 1, "
            f"{self.filing.select}, {self.verification.select} "
            f"FROM {verifications} v "
            f"JOIN {filings} f ON f.id = v.filing_id "
            f"WHERE v.mobile = %s AND {channel} "
            f"AND NOT EXISTS (SELECT 1 FROM pending) "
            f"ORDER BY v.id DESC LIMIT 1) latest "
            f"ORDER BY 1, {verification_id}"
        )

    def _compose_updates(self, quote: Callable[[str], str], verifications: str) -> None:
        """The two updates a verify's outcome writes."""
        table = f"UPDATE {verifications} SET "  # noqa: S608
        column = {f.attname: quote(column_name(f)) for f in Verification._meta.fields}
        first_attempt = (
            f"{column['first_attempt_at']} = COALESCE({column['first_attempt_at']}, %s)"
        )
        self._verified = (
            f"{table}{column['status']} = %s, {column['verified_at']} = %s, "
            f"{column['failed_attempts']} = 0, {first_attempt}, "
            f"{column['updated_at']} = %s WHERE {column['id']} = %s"
        )
        # Not `updated_at`: it dates a verification's outcome (the dashboard's day
        # of a failure or an expiry), and a row whose indexed columns stay as they
        # were is updated in place by PostgreSQL (HOT), writing no index entry.
        self._failed_attempt = (
            f"{table}{column['failed_attempts']} = %s, {first_attempt} "
            f"WHERE {column['id']} = %s"
        )

    def lock_pending(
        self,
        db: BaseDatabaseWrapper,
        mobile: str,
        policies: Sequence[str],
        province: str,
    ) -> Pending:
        """Lock the filings on which `mobile` has a pending verification (those of
        `policies`, and of `province` if given) and all their verifications.

        Returns [(filing, [its verifications, in id order])], in filing order; each
        verification's `filing` is set. Rows are read after their locks are taken,
        so they are the latest versions.
        """
        params = [mobile, VerificationStatus.PENDING, *policies]
        if province:
            params.append(province)
        with db.cursor() as cursor:
            cursor.execute(self._lock[bool(province)], params)
            return self._grouped(db, cursor.fetchall())

    def lock_pending_or_latest(
        self,
        db: BaseDatabaseWrapper,
        mobile: str,
        policies: Sequence[str],
        province: str,
    ) -> tuple[Pending, Verification | None]:
        """`lock_pending`, and with it, if nothing is pending, `latest`, in one
        statement. Returns (what `lock_pending` returns, the latest verification or
        None); the latest is looked for only when nothing is pending."""
        channel = [*policies, province] if province else [*policies]
        params = [mobile, VerificationStatus.PENDING, *channel, mobile, *channel]
        with db.cursor() as cursor:
            cursor.execute(self._lock_or_latest[bool(province)], params)
            rows = cursor.fetchall()
        if len(rows) == 1 and rows[0][0] == 1:
            return [], self.verification.load(db, rows[0], 1 + self.filing.width)
        return self._grouped(db, [row[1:] for row in rows]), None

    def _grouped(
        self, db: BaseDatabaseWrapper, rows: Iterable[Sequence[Any]]
    ) -> Pending:
        found: dict[int, tuple[FilingApplication, list[Verification]]] = {}
        for row in rows:
            filing_id = row[0]
            if filing_id not in found:
                found[filing_id] = (self.filing.load(db, row), [])
            filing, verifications = found[filing_id]
            verification = self.verification.load(db, row, self.filing.width)
            verification.filing = filing
            verifications.append(verification)
        return list(found.values())

    def latest(
        self,
        db: BaseDatabaseWrapper,
        mobile: str,
        policies: Sequence[str],
        province: str,
    ) -> Verification | None:
        """The newest verification of `mobile` of any status among filings of
        `policies` (and `province`), or None. Nothing is locked."""
        params = [mobile, *policies]
        if province:
            params.append(province)
        with db.cursor() as cursor:
            cursor.execute(self._latest[bool(province)], params)
            row = cursor.fetchone()
        return self.verification.load(db, row) if row else None

    def mark_verified(
        self, writes: Writes, verification: Verification, now: datetime.datetime
    ) -> None:
        """Add to `writes` (a `infra.sql.Writes`): a verification verified
        at `now` (its failures count no more; a first attempt is kept, else this is
        it)."""
        when = writes.db.ops.adapt_datetimefield_value(now)
        writes.execute(
            self._verified,
            [VerificationStatus.VERIFIED, when, when, when, verification.pk],
        )

    def count_failed_attempt(
        self, writes: Writes, verification: Verification, now: datetime.datetime
    ) -> None:
        """Add to `writes`: store a verification's `failed_attempts` after one more
        wrong entry (a first attempt is kept, else this is it)."""
        when = writes.db.ops.adapt_datetimefield_value(now)
        writes.execute(
            self._failed_attempt,
            [verification.failed_attempts, when, verification.pk],
        )


def for_connection(db: BaseDatabaseWrapper | None = None) -> Statements:
    """The path's statements for `db` (by default the current default connection)."""
    return composed(Statements, db)
