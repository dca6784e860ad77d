"""Trigram indexes for the support desk's search (`console.search`), on PostgreSQL
only: any part of a reference, an entity's name, a domain or an ICP number, in any
case, and the end of a mobile, each found through an index at any volume. Elsewhere
(SQLite) the search reads the tables.

The `pg_trgm` extension ships with PostgreSQL; creating it needs a role that may (the
owner of the database, on PostgreSQL 13 and later, as it is a trusted extension).
Each index is built in the migration's transaction: writes to its table wait for it
(seconds at a million filings).
"""

from django.db import migrations

# (index, table, expression): the expressions Django's icontains and endswith compare.
INDEXES = [
    ("filing_reference_trgm", "filings_filingapplication", "UPPER(reference::text)"),
    ("filing_icp_number_trgm", "filings_filingapplication", "UPPER(icp_number::text)"),
    ("subject_name_trgm", "filings_subject", "UPPER(name::text)"),
    ("service_icp_number_trgm", "filings_service", "UPPER(icp_number::text)"),
    ("domain_name_trgm", "filings_domain", "UPPER(name::text)"),
    ("person_mobile_trgm", "filings_person", "(mobile::text)"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("filings", "0014_extension_limit_permission")]

    operations = [migrations.RunPython(create, drop)]
