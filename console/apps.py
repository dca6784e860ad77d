from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The staff console: ModelAdmins, overrides, dashboard, export."""

    default = True
    name = "console"
    verbose_name = _("Staff console")

    def ready(self):
        from console import checks  # noqa: F401 - registers the deployment checks


class StaffAdminConfig(admin_apps.AdminConfig):
    """The Django admin, as the staff console with its dashboard."""

    default = False
    default_site = "console.sites.StaffAdminSite"


class LoginRecordsConfig(axes_apps.AppConfig):
    """django-axes, the staff login lockout, named in the console as its records."""

    default = False
    verbose_name = _("Staff logins")
