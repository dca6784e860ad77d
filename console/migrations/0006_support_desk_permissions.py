"""The support desk for the staff groups: everyone reads answer scripts and
escalations; supervisors write answer scripts and answer escalations."""

from django.db import migrations

from filings.permissions import grant_to_groups, revoke_granted

READ = [
    "view_answerscript",
    "view_answerscriptversion",
    "view_escalation",
]
GROUPS = {
    "Support agent": READ,
    "Supervisor": [
        *READ,
        "add_answerscript",
        "change_answerscript",
        "view_answerscriptuse",
        "answer_escalations",
    ],
    "Auditor": [*READ, "view_answerscriptuse"],
}


def grant(apps, schema_editor):
    grant_to_groups(apps, "console", GROUPS)


def revoke(apps, schema_editor):
    revoke_granted(apps, "console", GROUPS)


class Migration(migrations.Migration):
    dependencies = [("console", "0005_support_desk")]

    operations = [migrations.RunPython(grant, revoke)]
