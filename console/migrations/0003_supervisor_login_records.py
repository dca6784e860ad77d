"""Supervisors read the staff login records (django-axes: the failed-login counts,
every failed and every successful login) and unlock a locked-out login name or
address by clearing its counts."""

from django.db import migrations

from filings.permissions import grant_to_groups, revoke_from_groups

GROUPS = {
    "Supervisor": [
        "view_accessattempt",
        "delete_accessattempt",
        "view_accessfailurelog",
        "view_accesslog",
    ]
}


def grant(apps, schema_editor):
    grant_to_groups(apps, "axes", GROUPS)


def revoke(apps, schema_editor):
    revoke_from_groups(apps, "axes", GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0002_case_work_permissions"),
        ("axes", "0010_accessattemptexpiration"),
        ("filings", "0007_supervisor_time_travel"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
