"""The statements of the verify and resend path, composed once per database connection.

A queryset builds its SQL anew on every call, and on this path that was most of a
verify's CPU. These statements are written once from the models' own table and column
names; their rows come back as model instances with the database's converters applied,
as a queryset's would, and their parameters are prepared by the models' fields.

Locking: `lock_pending` locks each filing before its verifications, in filing order,
in one statement; the filing transitions and the deadline sweep take the same order.
"""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections

from filings.models import FilingApplication
from verification.models import Attempt, Verification, VerificationStatus


class Columns:
    """A model's concrete columns under a table alias in a hand-written statement."""

    def __init__(self, db, model, alias):
        quote = db.ops.quote_name
        self.model = model
        self.alias = db.alias
        self.fields = model._meta.concrete_fields
        self.width = len(self.fields)
        self.select = ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)
        self.converters = []
        for position, field in enumerate(self.fields):
            column = field.get_col(model._meta.db_table)
            found = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if found:
                self.converters.append((position, column, found))

    def load(self, db, row, start=0):
        """The instance held by `row[start:start + width]`."""
        values = list(row[start : start + self.width])
        for position, column, converters in self.converters:
            value = values[position]
            for convert in converters:
                value = convert(value, column, db)
            values[position] = value
        return self.model.from_db(self.alias, None, values)


class Statements:
    """The path's statements for one connection (one vendor, one thread)."""

    def __init__(self, db):
        quote = db.ops.quote_name
        self.filing = Columns(db, FilingApplication, "f")
        self.verification = Columns(db, Verification, "v")
        filings = quote(FilingApplication._meta.db_table)
        verifications = quote(Verification._meta.db_table)
        lock = " FOR UPDATE OF f, v" if db.features.has_select_for_update_of else ""
        self._lock = {}
        self._latest = {}
        for provincial in (False, True):
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
        self.attempt_fields = [
            field for field in Attempt._meta.concrete_fields if not field.primary_key
        ]
        self._insert_attempt = (
            f"INSERT INTO {quote(Attempt._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(f.column) for f in self.attempt_fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.attempt_fields))})"
        )

    def lock_pending(self, db, mobile, policies, province):
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
            rows = cursor.fetchall()
        found = {}
        for row in rows:
            filing_id = row[0]
            if filing_id not in found:
                found[filing_id] = (self.filing.load(db, row), [])
            filing, verifications = found[filing_id]
            verification = self.verification.load(db, row, self.filing.width)
            verification.filing = filing
            verifications.append(verification)
        return list(found.values())

    def latest(self, db, mobile, policies, province):
        """The newest verification of `mobile` of any status among filings of
        `policies` (and `province`), or None. Nothing is locked."""
        params = [mobile, *policies]
        if province:
            params.append(province)
        with db.cursor() as cursor:
            cursor.execute(self._latest[bool(province)], params)
            row = cursor.fetchone()
        return self.verification.load(db, row) if row else None

    def insert_attempt(self, db, **values):
        """Write one Attempt from its field values (`created_at` included)."""
        params = [
            field.get_db_prep_save(values.get(field.attname), db)
            for field in self.attempt_fields
        ]
        with db.cursor() as cursor:
            cursor.execute(self._insert_attempt, params)


_composed = weakref.WeakKeyDictionary()


def for_connection(db=None):
    """The statements for `db` (by default the current default connection)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    try:
        return _composed[db]
    except KeyError:
        statements = _composed[db] = Statements(db)
        return statements
