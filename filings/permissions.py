"""Giving the staff groups an app's permissions, for the apps' data migrations."""

from django.contrib.auth.management import create_permissions


def grant_to_groups(apps, app_label, groups):
    """Give each group named in `groups` ({group name: [codename, ...]}) those
    permissions of `app_label`, making the permissions first (Django makes them only
    after migrate). `apps` is the migration's historical registry."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in groups.items():
        for group in Group.objects.filter(name=name):
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def revoke_from_groups(apps, app_label, groups):
    """Take every permission of `app_label` from the groups named in `groups`."""
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=groups):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label)
        )
