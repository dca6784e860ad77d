"""The admin site of the staff console, with the dashboard on its front page."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from console import dashboard


class StaffAdminSite(admin.AdminSite):
    """The staff console: Django's admin with a dashboard on its front page."""

    site_header = _("icpportal staff console (simulator)")
    site_title = _("icpportal staff console")
    index_title = _("Dashboard")

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if request.user.has_perm("filings.view_filingapplication"):
            extra_context["dashboard"] = dashboard.summary()
        return super().index(request, extra_context)
