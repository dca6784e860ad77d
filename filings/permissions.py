"""Giving the staff groups an app's permissions, for the apps' data migrations."""

from collections.abc import Iterable, Mapping

from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions


def grant_to_groups(
    apps: Apps, app_label: str, groups: Mapping[str, Iterable[str]]
) -> None:
    """Give each group named in `groups` ({group name: [codename, ...]}) those
    permissions of `app_label`, making the permissions first (Django makes them only
    after migrate). `apps` is the migration's historical registry."""
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module; create_permissions only
        # asks whether there is one (the stubs want a module here).
        app_config.models_module = True  # type: ignore[assignment]
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


def revoke_from_groups(apps: Apps, app_label: str, groups: Iterable[str]) -> None:
    """Take every permission of `app_label` from the groups named in `groups`."""
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=groups):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label)
        )


def revoke_granted(
    apps: Apps, app_label: str, groups: Mapping[str, Iterable[str]]
) -> None:
    """Undo `grant_to_groups`: take from each group named in `groups` those
    permissions of `app_label`, and no others."""
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name__in=groups):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=groups[group.name]
            )
        )
