"""Supervisors manage the staff of their team (console.staff_pages)."""

from django.db import migrations

from filings.permissions import grant_to_groups, revoke_granted

GROUPS = {"Supervisor": ["manage_staff"]}


def grant(apps, schema_editor):
    grant_to_groups(apps, "console", GROUPS)


def revoke(apps, schema_editor):
    revoke_granted(apps, "console", GROUPS)


class Migration(migrations.Migration):
    dependencies = [("console", "0010_staff_events")]

    operations = [migrations.RunPython(grant, revoke)]
