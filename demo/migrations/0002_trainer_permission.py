"""Supervisors hand out training scenarios, read every trainee's results and set
the training gateway."""

from django.db import migrations

from filings.permissions import grant_to_groups, revoke_from_groups

GROUPS = {"Supervisor": ["train_staff"]}


def grant(apps, schema_editor):
    grant_to_groups(apps, "demo", GROUPS)


def revoke(apps, schema_editor):
    revoke_from_groups(apps, "demo", GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("demo", "0001_training"),
        ("filings", "0007_supervisor_time_travel"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
