"""Supervisors may run the demo's time travel."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(
        content_type__app_label="filings", codename="time_travel"
    )
    for group in Group.objects.filter(name="Supervisor"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [("filings", "0006_time_travel_permission")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
