import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings import dashboard
from filings.policies import BEIJING
from verification.actions import process_deadlines


class TimeTravelForm(forms.Form):
    when = forms.DateTimeField(
        label=_("Run the deadline sweep as if it were (Beijing time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        if timezone.is_naive(when):
            when = when.replace(tzinfo=BEIJING)
        if when <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return when


class StaffAdminSite(admin.AdminSite):
    """The staff console: Django's admin with a dashboard on its front page."""

    site_header = _("icpportal staff console (simulator)")
    site_title = _("icpportal staff console")
    index_title = _("Dashboard")

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        if request.user.has_perm("filings.view_filingapplication"):
            extra_context["dashboard"] = dashboard.summary()
        extra_context["time_travel"] = settings.DEMO_MODE and request.user.has_perm(
            "filings.time_travel"
        )
        return super().index(request, extra_context)

    def get_urls(self):
        travel = path(
            "demo/time-travel/",
            self.admin_view(self.time_travel_view),
            name="demo-time-travel",
        )
        return [travel, *super().get_urls()]

    def time_travel_view(self, request):
        """Demo only: expire and auto-resend as they would happen at a future time."""
        if not settings.DEMO_MODE:
            raise Http404("Time travel exists only in demo mode.")
        if not request.user.has_perm("filings.time_travel"):
            raise PermissionDenied
        form = TimeTravelForm(
            request.POST or None,
            initial={"when": timezone.localtime() + datetime.timedelta(days=1)},
        )
        if request.method == "POST" and form.is_valid():
            report = process_deadlines(form.cleaned_data["when"])
            messages.success(
                request,
                _(
                    "At %(when)s: %(filings)d filings returned as expired, "
                    "%(resends)d automatic resends sent."
                )
                % {
                    "when": form.cleaned_data["when"].strftime("%Y-%m-%d %H:%M"),
                    "filings": report.expired_filings,
                    "resends": report.automatic_resends,
                },
            )
            return HttpResponseRedirect(reverse("admin:demo-time-travel"))
        context = {
            **self.each_context(request),
            "title": _("Demo time travel"),
            "form": form,
        }
        return TemplateResponse(request, "admin/time_travel.html", context)
