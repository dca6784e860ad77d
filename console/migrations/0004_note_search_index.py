"""A trigram index for finding notes by their words (`console.search`), on
PostgreSQL only; see filings migration 0015."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS note_text_trgm ON console_note "
        "USING gin (UPPER(text::text) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS note_text_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0003_supervisor_login_records"),
        ("filings", "0015_search_indexes"),
    ]

    operations = [migrations.RunPython(create, drop)]
