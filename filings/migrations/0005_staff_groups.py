"""Staff groups: Support agent, Supervisor, Auditor."""

from django.db import migrations

VIEW_MODELS = {
    "filings": [
        "province",
        "provider",
        "person",
        "subject",
        "service",
        "domain",
        "filingapplication",
        "auditevent",
        "icpnumbercounter",
    ],
    "verification": ["verification", "smsmessage", "attempt"],
}
OVERRIDES = [
    "resend_code",
    "extend_deadline",
    "override_verification",
    "return_filing",
    "cancel_filing",
    "decide_filing",
]
GROUPS = {
    "Support agent": ["resend_code", "extend_deadline"],
    "Supervisor": OVERRIDES,
    "Auditor": [],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    views = [
        Permission.objects.get(
            content_type__app_label=app_label, codename=f"view_{model}"
        )
        for app_label, models in VIEW_MODELS.items()
        for model in models
    ]
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        extra = Permission.objects.filter(
            content_type__app_label="filings", codename__in=codenames
        )
        group.permissions.set([*views, *extra])


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("filings", "0004_staff_console"),
        ("verification", "0003_outcome_index"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
