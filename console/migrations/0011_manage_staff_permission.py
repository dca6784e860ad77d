"""Supervisors manage the staff of their team (console.staff_pages)."""

from django.db import migrations

from filings.permissions import grant_to_groups

GROUPS = {"Supervisor": ["manage_staff"]}


def grant(apps, schema_editor):
    grant_to_groups(apps, "console", GROUPS)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="console", codename__in=GROUPS[group.name]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("console", "0010_staff_events")]

    operations = [migrations.RunPython(grant, revoke)]
