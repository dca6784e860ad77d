"""The console's pages for the staff login records (django-axes): the failed-login
counts behind the lockout, with the supervisor's unlock; every failed login; every
successful login. Supervisors read them and unlock (console migration 0003); times are
Beijing time, and the records' stored form data is never shown.
"""

import ipaddress

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from console import logins, timeline
from console.admin.base import ConsoleAdmin
from infra import scope

# django-axes ships no Chinese catalogue: the names of its records, as the console
# shows them, are translated in ours (naming them here keeps them there).
RECORD_NAMES = (
    _("access attempt"),
    _("access attempts"),
    _("access failure"),
    _("access failures"),
    _("access log"),
    _("access logs"),
)
# What django-axes stores for a request that named no browser.
UNKNOWN_BROWSER = "<unknown>"


class NamedRecord:
    """A login record as the console names it: login name, address and Beijing time
    (the change page's title and breadcrumb read `str()` and `pk`)."""

    def __init__(self, record):
        self.pk = record.pk
        self.name = (
            f"{record.username or '—'} · {record.ip_address or '—'} · "
            f"{timeline.beijing(record.attempt_time, with_seconds=True)}"
        )

    def __str__(self):
        return self.name


class LoginRecordAdmin(ConsoleAdmin):
    """A view-only page of login records, searched by an exact login name or
    address, newest first."""

    search_fields = ("username",)  # shows the box; the search itself is below
    search_help_text = _("An exact login name or client address.")
    ordering = ("-attempt_time",)
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:  # its own name holds a UTC time
            named = NamedRecord(obj)
            context.update(subtitle=str(named), original=named)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "title": gettext("Change history: %s") % NamedRecord(obj),
            }
        return super().history_view(request, object_id, extra_context)

    def get_queryset(self, request):
        # A provider's staff see the logins of their own team alone.
        queryset = super().get_queryset(request)
        if scope.provider_in_scope() is None:
            return queryset
        team = scope.staff_in_scope(get_user_model().objects.all())
        return queryset.filter(username__in=team.values("username"))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            ipaddress.ip_address(term)
        except ValueError:
            return queryset.filter(username=term), False
        return queryset.filter(ip_address=term), False

    @admin.display(description=_("login name"), ordering="username")
    def login_name(self, obj):
        return obj.username or "—"

    @admin.display(description=_("client address"), ordering="ip_address")
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description=_("browser"))
    def browser(self, obj):
        return obj.user_agent if obj.user_agent not in ("", UNKNOWN_BROWSER) else "—"


@admin.register(AccessAttempt)
class FailedLoginCountAdmin(LoginRecordAdmin):
    """The counts the lockout reads: one row per login name, address and browser,
    with its failures and the last one. A supervisor unlocks from here."""

    list_display = (
        "login_name",
        "address",
        "failures",
        "last_failure",
        "state",
        "browser",
    )
    fields = list_display
    readonly_fields = list_display
    actions = ["unlock"]

    def has_delete_permission(self, request, obj=None):
        # Deleting a count is the unlock: the supervisors' axes.delete_accessattempt.
        return ConsoleAdmin.has_delete_permission(self, request, obj)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # the unlock says what it does
        return actions

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        # The unlock action is the one way to clear a count: it clears every count
        # of the login name and the address, which a single row's deletion may not.
        raise PermissionDenied

    @admin.display(description=_("failed logins"), ordering="failures_since_start")
    def failures(self, obj):
        return obj.failures_since_start

    @admin.display(
        description=_("last failure (Beijing time)"), ordering="attempt_time"
    )
    def last_failure(self, obj):
        return timeline.beijing(obj.attempt_time, with_seconds=True)

    @admin.display(description=_("state"))
    def state(self, obj):
        until = logins.locked_until(obj.username, obj.ip_address)
        if until is None:
            return gettext("not locked out")
        return gettext("locked out until %(until)s (in %(wait)s)") % {
            "until": timeline.beijing(until),
            "wait": logins.wait_text(until),
        }

    @admin.action(
        description=_(
            "Unlock: clear the failed logins of these login names and addresses"
        ),
        permissions=["delete"],
    )
    def unlock(self, request, queryset):
        """Deletes every count of the selected rows' login names and of their
        addresses, so each can log in again at once (the lockout counts by name and by
        address, each over all its rows)."""
        selected = list(queryset.values_list("username", "ip_address"))
        match = Q(pk__in=queryset.values("pk"))
        for username, address in selected:
            if username:
                match |= Q(username=username)
            if address:
                match |= Q(ip_address=address)
        # a provider's supervisor clears their own team's counts alone
        cleared = list(self.get_queryset(request).filter(match))
        self.log_deletions(request, cleared)
        AccessAttempt.objects.filter(pk__in=[row.pk for row in cleared]).delete()
        who = sorted({value for pair in selected for value in pair if value})
        if not who:
            return
        self.message_user(
            request,
            gettext("Unlocked %(who)s: they can log in again at once.")
            % {"who": ", ".join(who) or "—"},
            messages.SUCCESS,
        )

    def log_deletions(self, request, queryset):
        """An admin log line per count cleared, named by its login name and address
        (the record's own name holds a UTC time)."""
        content_type = ContentType.objects.get_for_model(AccessAttempt)
        LogEntry.objects.bulk_create(
            LogEntry(
                user_id=request.user.pk,
                content_type=content_type,
                object_id=str(row.pk),
                object_repr=f"{row.username or '—'} · {row.ip_address or '—'}"[:200],
                action_flag=DELETION,
            )
            for row in queryset
        )


class LockedOutFilter(admin.SimpleListFilter):
    title = _("refused as locked out")
    parameter_name = "locked_out"

    def lookups(self, request, model_admin):
        return (("yes", _("Yes")), ("no", _("No")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(locked_out=self.value() == "yes")
        return queryset


@admin.register(AccessFailureLog)
class FailedLoginAdmin(LoginRecordAdmin):
    """Every failed staff login, kept."""

    list_display = ("when", "login_name", "address", "refused", "browser")
    list_filter = (LockedOutFilter,)
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("when (Beijing time)"), ordering="attempt_time")
    def when(self, obj):
        return timeline.beijing(obj.attempt_time, with_seconds=True)

    @admin.display(description=_("refused as locked out"), ordering="locked_out")
    def refused(self, obj):
        return gettext("Yes") if obj.locked_out else gettext("No")


@admin.register(AccessLog)
class SuccessfulLoginAdmin(LoginRecordAdmin):
    """Every successful staff login, with when it logged out."""

    list_display = ("when", "login_name", "address", "logged_out", "browser")
    fields = list_display
    readonly_fields = list_display

    @admin.display(description=_("logged in (Beijing time)"), ordering="attempt_time")
    def when(self, obj):
        return timeline.beijing(obj.attempt_time, with_seconds=True)

    @admin.display(description=_("logged out (Beijing time)"), ordering="logout_time")
    def logged_out(self, obj):
        return timeline.beijing(obj.logout_time, with_seconds=True)
