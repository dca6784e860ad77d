from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    """The Django admin, as the staff console with its dashboard."""

    default_site = "icpportal.admin.StaffAdminSite"
