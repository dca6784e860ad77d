"""Case work for the staff groups: agents work cases, supervisors also assign them and
edit macros, auditors read everything."""

from django.db import migrations

from filings.permissions import grant_to_groups, revoke_from_groups

READ = ["view_case", "view_note", "view_followup", "view_macro", "view_macrostep"]
WORK = [*READ, "work_cases"]
GROUPS = {
    "Support agent": WORK,
    "Supervisor": [
        *WORK,
        "assign_cases",
        "add_macro",
        "change_macro",
        "delete_macro",
        "add_macrostep",
        "change_macrostep",
        "delete_macrostep",
    ],
    "Auditor": READ,
}


def grant(apps, schema_editor):
    grant_to_groups(apps, "console", GROUPS)


def revoke(apps, schema_editor):
    revoke_from_groups(apps, "console", GROUPS)


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_casework"),
        ("filings", "0007_supervisor_time_travel"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
