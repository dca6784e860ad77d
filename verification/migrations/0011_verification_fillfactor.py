"""Room on each page of the verification table for the new version of an updated row
(fill factor 85), so that PostgreSQL can update it in place (HOT): a failed attempt
changes no indexed column. Only new pages are filled this way; on PostgreSQL only."""

from django.db import migrations

TABLE = "verification_verification"


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 85)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("verification", "0010_sms_failure")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
