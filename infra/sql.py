"""Statements composed once per database connection, for the request that the system
exists to serve (a verify) and the records it writes.

A queryset builds its SQL anew on every call, and on the verify path that was most of
the CPU. What is here is written once from the models' own table and column names:
rows come back as model instances with the database's converters applied, as from a
queryset, and values go in prepared by the models' fields, as in `save()`.
"""

import weakref
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col, DatabaseDefault

# Values of these fields reach the database driver as they are; the others (dates,
# JSON, addresses...) are prepared by their field, as `save()` does.
AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def default_connection() -> BaseDatabaseWrapper:
    """The current thread's default database connection (the wrapper itself)."""
    return connections[DEFAULT_DB_ALIAS]


def column_name(field: Field[Any, Any]) -> str:
    """The column of a concrete field (the stubs allow None, which only a field
    without a column of its own has)."""
    assert field.column is not None
    return field.column


# connection -> builder -> what it built for that connection
_composed: weakref.WeakKeyDictionary[
    BaseDatabaseWrapper, dict[Callable[[BaseDatabaseWrapper], object], object]
] = weakref.WeakKeyDictionary()


def composed[T](
    build: Callable[[BaseDatabaseWrapper], T], db: BaseDatabaseWrapper | None = None
) -> T:
    """`build(db)`, made once per connection (a connection is one vendor and one
    thread) and kept for the connection's life."""
    db = db or default_connection()
    kept = _composed.setdefault(db, {})
    try:
        # Kept under `build` itself: what is there is what `build` made.
        return cast(T, kept[build])
    except KeyError:
        made = kept[build] = build(db)
        return made


class Columns[M: Model]:
    """A model's concrete columns under a table alias in a hand-written SELECT."""

    def __init__(self, db: BaseDatabaseWrapper, model: type[M], alias: str) -> None:
        quote = db.ops.quote_name
        self.model = model
        self.alias = db.alias
        self.fields = model._meta.concrete_fields
        self.names = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self.select = ", ".join(f"{alias}.{quote(column_name(f))}" for f in self.fields)
        # (position, column, its converters): a row's values are converted as a
        # queryset converts them
        self.converters: list[tuple[int, Col, list[Callable[..., Any]]]] = []
        for position, field in enumerate(self.fields):
            column = field.get_col(model._meta.db_table)
            found = db.ops.get_db_converters(column) + column.get_db_converters(db)
            if found:
                self.converters.append((position, column, found))

    def load(self, db: BaseDatabaseWrapper, row: Sequence[Any], start: int = 0) -> M:
        """The instance held by `row[start:start + width]`."""
        values = list(row[start : start + self.width])
        for position, column, converters in self.converters:
            value = values[position]
            for convert in converters:
                value = convert(value, column, db)
            values[position] = value
        return self.model.from_db(self.alias, self.names, values)


class Insert:
    """The INSERT of one row of `model`, every concrete field but the primary key."""

    def __init__(self, db: BaseDatabaseWrapper, model: type[Model]) -> None:
        quote = db.ops.quote_name
        meta = model._meta
        self.fields: list[Field[Any, Any]] = [
            f for f in meta.concrete_fields if not f.primary_key
        ]
        self.prepared = {
            position
            for position, field in enumerate(self.fields)
            if field.get_internal_type() not in AS_IS
        }
        self.returning = db.features.can_return_columns_from_insert
        # Without RETURNING: for a row whose key nobody reads back (see Writes).
        self.sql_without_key = (
            f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(column_name(f)) for f in self.fields)}) "
            f"VALUES ({', '.join(['%s'] * len(self.fields))})"
        )
        self.sql = self.sql_without_key
        if self.returning:
            self.sql += f" RETURNING {quote(column_name(meta.pk))}"

    def params(self, db: BaseDatabaseWrapper, instance: Model) -> list[Any]:
        """The values of `instance`'s row, prepared as `save()` prepares them."""
        params = []
        for position, field in enumerate(self.fields):
            value = field.pre_save(instance, True)  # auto_now_add fills its time
            if isinstance(value, DatabaseDefault):
                value = field.db_default  # a literal: the models here use no others
            if position in self.prepared:
                value = field.get_db_prep_save(value, db)
            params.append(value)
        return params

    def run(self, db: BaseDatabaseWrapper, instance: Model) -> Any:
        """Write `instance`'s row; returns its new primary key."""
        params = self.params(db, instance)
        with db.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchone()[0] if self.returning else cursor.lastrowid


def insert[M: Model](instance: M) -> M:
    """Write a new model instance in one composed INSERT and give it its primary key.

    Like `save()` for a new row, without its signals (none of the models written
    this way has receivers) and without re-reading database defaults.
    """
    model = type(instance)
    db = default_connection()
    statement = composed(_insert_for(model), db)
    instance.pk = statement.run(db, instance)
    instance._state.adding = False
    instance._state.db = db.alias
    return instance


class Writes:
    """Writes inside one transaction whose results nobody reads, sent together.

    On PostgreSQL they go as one statement (each but the last in a data-modifying
    WITH), one round trip and one statement's overhead instead of several; elsewhere
    one after the other. Nothing is written until `send()`, which the caller runs
    before its transaction commits; if the transaction fails first, nothing was sent.
    The writes must not depend on each other: on PostgreSQL they all see the rows as
    they were before the statement.
    """

    def __init__(self, db: BaseDatabaseWrapper | None = None) -> None:
        self.db = db or default_connection()
        self.pending: list[tuple[str, Sequence[Any]]] = []
        # filing id -> provider events numbered by statements still pending
        # (`filings.provider_events`)
        self.numbered: dict[int, int] = {}

    @property
    def together(self) -> bool:
        """Whether the writes go as one statement (and so do not see each other)."""
        return self.db.vendor == "postgresql"

    def execute(self, sql: str, params: Sequence[Any]) -> None:
        """Add one statement (no rows wanted back)."""
        self.pending.append((sql, params))

    def insert[M: Model](self, instance: M) -> M:
        """Add the INSERT of a new `instance`; it gets no primary key back."""
        statement = composed(_insert_for(type(instance)), self.db)
        self.pending.append(
            (statement.sql_without_key, statement.params(self.db, instance))
        )
        return instance

    def send(self) -> None:
        """Write everything added so far."""
        pending, self.pending = self.pending, []
        self.numbered = {}
        if not pending:
            return
        if self.together:
            *first, (last_sql, last_params) = pending
            sql = "".join(
                f"{'WITH' if i == 0 else ','} w{i} AS ({statement}) "
                for i, (statement, _) in enumerate(first)
            )
            params: Sequence[Any] = [value for _, values in first for value in values]
            pending = [(sql + last_sql, [*params, *last_params])]
        with self.db.cursor() as cursor:
            for sql, params in pending:
                cursor.execute(sql, params)


_insert_builders: dict[type[Model], Callable[[BaseDatabaseWrapper], Insert]] = {}


def _insert_for(model: type[Model]) -> Callable[[BaseDatabaseWrapper], Insert]:
    """One builder per model, so that `composed` keeps one Insert per model."""
    try:
        return _insert_builders[model]
    except KeyError:

        def build(db: BaseDatabaseWrapper) -> Insert:
            return Insert(db, model)

        builder = _insert_builders[model] = build
        return builder
