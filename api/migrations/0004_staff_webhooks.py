"""Every staff group reads the webhook endpoints and their delivery log; supervisors
also register, change and delete endpoints and send deliveries again."""

from django.db import migrations

from filings.permissions import grant_to_groups

READ = ["view_webhookendpoint", "view_webhookdelivery", "view_webhookattempt"]
GROUPS = {
    "Support agent": READ,
    "Auditor": READ,
    "Supervisor": [
        *READ,
        "add_webhookendpoint",
        "change_webhookendpoint",
        "delete_webhookendpoint",
        "change_webhookdelivery",
    ],
}


def grant(apps, schema_editor):
    grant_to_groups(apps, "api", GROUPS)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=GROUPS):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="api", codename__in=GROUPS["Supervisor"]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("api", "0003_webhooks")]

    operations = [migrations.RunPython(grant, revoke)]
