"""Supervisors make, read and revoke the providers' API keys."""

from django.db import migrations

from filings.permissions import grant_to_groups, revoke_from_groups

GROUPS = {"Supervisor": ["add_apikey", "change_apikey", "view_apikey"]}


def grant(apps, schema_editor):
    grant_to_groups(apps, "api", GROUPS)


def revoke(apps, schema_editor):
    revoke_from_groups(apps, "api", GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_provider_keys"),
        ("filings", "0007_supervisor_time_travel"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
