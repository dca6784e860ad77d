"""Supervisors make, read and revoke the providers' API keys."""

from django.db import migrations

GROUPS = {"Supervisor": ["add_apikey", "change_apikey", "view_apikey"]}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the group needs it now.
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
                    content_type__app_label="api", codename__in=codenames
                )
            )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="api")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_provider_keys"),
        ("filings", "0007_supervisor_time_travel"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
