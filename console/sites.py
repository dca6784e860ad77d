"""The admin site of the staff console, with the dashboard on its front page."""

import contextlib
import functools
import logging

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import DataError
from django.db.models.base import ModelBase
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from console import (
    contact_check_pages,
    dashboard,
    desk,
    funnel,
    logins,
    second_factor,
    staff,
    staff_pages,
    views,
)
from infra import scope, times
from infra.rates import CACHE_ERRORS
from integrations.webhooks import disabled_endpoints

logger = logging.getLogger(__name__)

FUNNEL_CACHE_SECONDS = 60


class FunnelPeriodForm(forms.Form):
    """The dashboard's period for the funnel, in Beijing dates."""

    start = forms.DateField(label=_("From"), required=False, widget=AdminDateWidget)
    end = forms.DateField(label=_("To"), required=False, widget=AdminDateWidget)
    by = forms.ChoiceField(
        label=_("Breakdown"), required=False, choices=funnel.BREAKDOWNS
    )

    def period(self):
        """(start, end) from valid input, else the default period."""
        data = self.cleaned_data if self.is_valid() else {}
        return funnel.period(data.get("start"), data.get("end"))

    def breakdown(self):
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("by") or "province"


def cached_funnel(start, end):
    """The funnel for a period, computed at most once a minute per language."""
    provider = scope.provider_in_scope() or "all"  # its figures are the scope's
    key = f"staff-funnel:{provider}:{start}:{end}:{translation.get_language()}"
    with contextlib.suppress(*CACHE_ERRORS):
        if (found := cache.get(key)) is not None:
            return found
    result = funnel.compute(start, end)
    with contextlib.suppress(*CACHE_ERRORS):
        cache.set(key, result, FUNNEL_CACHE_SECONDS)
    return result


# Fields whose contents staff see masked or never: a list filtered on them by hand
# (`?mobile__startswith=138`) would tell the value digit by digit by its count.
SECRET_FIELDS = frozenset(
    {
        "mobile",
        "emergency_mobile",
        "certificate_number",
        "certificate_hashes",
        "recipient",
        "text",
        "code_hash",
        "previous_code_hash",
        "secret",
        "previous_secret",
        "key_hash",
        "password",
        "data",
        "body",
        "excerpt",
        "request_hash",
    }
)
# Lookups that hand the database a pattern of the client's own.
REFUSED_LOOKUPS = frozenset({"regex", "iregex"})
# What input can make Python or the database refuse: a year out of range, an id
# that is not a number, a NUL, text past a column's length.
UNREADABLE = (ValueError, OverflowError, DataError)


def refused_input(request):
    """Why the console will not read this request (a sentence for the log), or "":
    a NUL anywhere in its address, query or form; a query that filters on a secret
    field or by a pattern."""
    texts = [request.path]
    sources = [request.GET] + ([request.POST] if request.method == "POST" else [])
    for source in sources:
        for name, values in source.lists():
            texts += [name, *values]
    if any("\x00" in text for text in texts):
        return "A NUL character in the request."
    for name in request.GET:
        parts = set(name.split("__"))
        if parts & SECRET_FIELDS:
            return f"A list filtered on a secret field: {name!r}."
        if parts & REFUSED_LOOKUPS:
            return f"A list filtered by a pattern: {name!r}."
    return ""


# What a page asks by itself, not its reader: it does not keep an idle session alive
# (a filing page left open in a tab beats every 30 s).
PAGES_OWN_REQUESTS = {"filing_presence"}
# What a login with a one-time password may reach before changing it.
STILL_OPEN = {"password_change", "logout", "jsi18n"}
# django-otp's apps, whose pages the console does not show.
SECOND_FACTOR_APPS = {"otp_totp", "otp_static"}
# The filing page's address, under which its own forms post.
FILING = "filings/filingapplication/<int:filing_id>"


class StaffAdminSite(admin.AdminSite):
    """The staff console: Django's admin with a dashboard on its front page."""

    site_header = _("icpportal staff console (simulator)")
    site_title = _("icpportal staff console")
    index_title = _("Dashboard")
    # Says until when a locked-out login must wait (the staff login lockout).
    login_form = logins.StaffLoginForm

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every model's page but the second factors' (the keys of staff's apps),
        which django-otp offers and the staff pages manage instead."""
        models = (
            [model_or_iterable]
            if isinstance(model_or_iterable, ModelBase)
            else list(model_or_iterable)
        )
        shown = [m for m in models if m._meta.app_label not in SECOND_FACTOR_APPS]
        if shown:
            super().register(shown, admin_class, **options)

    def index(self, request, extra_context=None):
        extra_context = dict(extra_context or {})
        extra_context["webhook_notices"] = disabled_endpoints(request.user)
        if request.user.has_perm("filings.view_filingapplication"):
            extra_context["dashboard"] = dashboard.summary()
            form = FunnelPeriodForm(request.GET or None)
            start, end = form.period()
            if not form.is_bound:
                form = FunnelPeriodForm(initial={"start": start, "end": end})
            by = form.breakdown()
            found = cached_funnel(start, end)
            extra_context.update(
                funnel=found,
                funnel_form=form,
                funnel_by=by,
                funnel_by_label=dict(funnel.BREAKDOWNS)[by],
                funnel_rows=found.breakdowns[by],
                funnel_median=_duration(found.median),
                funnel_p90=_duration(found.p90),
                funnel_query=request.GET.urlencode(),
            )
        return super().index(request, extra_context)

    def admin_view(self, view, cacheable=False):
        """Every console page, guarded: what a query or a form may not hold is
        answered with the 400 page (`refused_input`), and so is a value the database
        or Python cannot take (a year out of range, a malformed id in a form)."""
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def guarded(request, *args, **kwargs):
            refused = refused_input(request)
            if refused:
                raise SuspiciousOperation(refused)
            url_name = getattr(request.resolver_match, "url_name", "")
            if staff.idle_too_long(request, renew=url_name not in PAGES_OWN_REQUESTS):
                auth_logout(request)
                messages.info(
                    request,
                    _(
                        "You were logged out after %(n)d minutes without using the console."
                    )
                    % {"n": settings.STAFF_IDLE_MINUTES},
                )
                return redirect_to_login(
                    request.get_full_path(), reverse("admin:login")
                )
            if step := second_factor.next_step(request, url_name):
                return step  # the code, or the set-up, before anything else
            if request.session.get(staff.MUST_CHANGE) and url_name not in STILL_OPEN:
                # a one-time password reaches nothing but its own change
                return redirect("admin:password_change")
            try:
                return scope.answer_in_scope(inner, request, *args, **kwargs)
            except UNREADABLE as exc:
                # A 400 for the person; the traceback for whoever reads the log,
                # in case it was not the input after all.
                logger.warning("Console request refused as unreadable", exc_info=exc)
                raise SuspiciousOperation(f"Unreadable input: {exc!r}") from exc

        return guarded

    def login(self, request, extra_context=None):
        """The login page; a login with a one-time password is sent to change it."""
        response = super().login(request, extra_context)
        if (
            request.method == "POST"
            and request.user.is_authenticated
            and staff.must_change_password(request.user)
        ):
            request.session[staff.MUST_CHANGE] = True
            return redirect("admin:password_change")
        return response

    def password_change(self, request, extra_context=None):
        """The password change; once it is made, the one-time password is gone (not
        when the page after it is merely shown)."""
        response = super().password_change(request, extra_context)
        if request.method == "POST" and response.status_code == 302:
            staff.password_changed(request.user)
            request.session.pop(staff.MUST_CHANGE, None)
        return response

    def get_urls(self):
        site = self
        pages = [
            ("funnel.csv", self.funnel_csv, "funnel_csv"),
            ("queue/", lambda request: views.queue_view(request, site), "queue"),
            ("search/", lambda request: views.search_view(request, site), "search"),
            (
                "customers/person/<int:person_id>/",
                lambda request, person_id: views.customer_view(
                    request, site, person_id=person_id
                ),
                "customer_person",
            ),
            (
                "customers/entity/<int:subject_id>/",
                lambda request, subject_id: views.customer_view(
                    request, site, subject_id=subject_id
                ),
                "customer_entity",
            ),
            (
                f"{FILING}/case/<slug:do>/",
                views.filing_case_action,
                "filing_case_action",
            ),
            (f"{FILING}/presence/", views.presence_view, "filing_presence"),
            (f"{FILING}/ask/", desk.escalation_ask, "escalation_ask"),
            (
                "escalations/",
                lambda request: desk.escalations_view(request, site),
                "escalations",
            ),
            (
                "escalations/<int:escalation_id>/<slug:answer>/",
                desk.escalation_answer,
                "escalation_answer",
            ),
            ("team/", lambda request: desk.team_view(request, site), "team"),
            (
                "contact-checks/",
                lambda request: contact_check_pages.campaigns_view(request, site),
                "contact_checks",
            ),
            *self._staff_pages(),
            (
                "answers/<int:script_id>/used-on/<int:filing_id>/",
                desk.script_used,
                "script_used",
            ),
        ]
        return [
            *(
                path(route, self.admin_view(view), name=name)
                for route, view, name in pages
            ),
            *super().get_urls(),
        ]

    def _staff_pages(self):
        """The second factor's pages, one's own account and the team's logins."""
        site = self
        return [
            (
                "second-factor/",
                lambda request: second_factor.code_view(request, site),
                "second_factor",
            ),
            (
                "second-factor/set-up/",
                lambda request: second_factor.set_up_view(request, site),
                "second_factor_enrol",
            ),
            (
                "account/",
                lambda request: staff_pages.account_view(request, site),
                "account",
            ),
            ("staff/", lambda request: staff_pages.staff_view(request, site), "staff"),
            (
                "staff/<int:member_id>/",
                lambda request, member_id: staff_pages.staff_member_view(
                    request, site, member_id
                ),
                "staff_member",
            ),
        ]

    def funnel_csv(self, request):
        """The funnel's table, every breakdown, for the chosen period, as CSV."""
        if not request.user.has_perm("filings.view_filingapplication"):
            raise PermissionDenied
        start, end = FunnelPeriodForm(request.GET or None).period()
        text = funnel.csv_text(cached_funnel(start, end))
        response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d")
        response["Content-Disposition"] = (
            f'attachment; filename="funnel-{start:%Y%m%d}-{end:%Y%m%d}-{stamp}.csv"'
        )
        return response


def _duration(value):
    return times.duration_text(value) if value is not None else "—"
