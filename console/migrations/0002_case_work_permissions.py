"""Case work for the staff groups: agents work cases, supervisors also assign them and
edit macros, auditors read everything."""

from django.db import migrations

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
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="console", codename__in=codenames
                )
            )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="console")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("console", "0001_casework"),
        ("filings", "0007_supervisor_time_travel"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
