"""What the console's pages share: view-only pages, the capped count, the mobile
search, and the verification and text-message columns."""

from typing import TYPE_CHECKING, ClassVar

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from console import (
    timeline,
)
from filings.models import (
    Role,
)
from filings.privacy import (
    mask_code,
    show_mobile,
)
from filings.validators import normalize_mobile
from infra import scope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


BLANK_CHOICE_LABEL = _("- Select an option -")


class ViewOnly:
    """Records are written by the system, never typed in: view only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConsoleAdmin(admin.ModelAdmin):
    """Every page of the console's records. A record the reader may not read (another
    provider's, infra.scope) is not found: a 404, as an unknown one, where Django's
    admin would send the reader back to the front page saying it does not exist."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(f"No {opts.model_name} {object_id!r} for this reader.")


def of_administration(request):
    """Whether the reader is on the administration's staff (not a provider's)."""
    return scope.provider_of(request.user) is None


class AdministrationWrites:
    """Reference data every team reads and the administration's staff alone change
    (provinces and their policies, providers, the numbering)."""

    def has_add_permission(self, request, *args):
        return of_administration(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return of_administration(request) and super().has_change_permission(
            request, obj
        )

    def has_delete_permission(self, request, obj=None):
        return of_administration(request) and super().has_delete_permission(
            request, obj
        )


class OwnedByTeam:
    """Macros and answer scripts: the administration's are shared by every team; a
    provider's supervisors write their own team's and read the shared ones."""

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.provider_id != scope.provider_of(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.provider_id != scope.provider_of(request.user):
            return False
        return super().has_delete_permission(request, obj)

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        if not change:
            obj.provider_id = scope.provider_of(request.user)
        return obj

    @admin.display(description=_("team"))
    def team_display(self, obj):
        return obj.provider.local_name if obj.provider_id else _("Every team")


class ReadOnlyAdmin(ViewOnly, ConsoleAdmin):
    # Facet counts would count the whole table past the capped paginator.
    show_facets = admin.ShowFacets.NEVER


class CappedCountPaginator(Paginator):
    """Never counts a whole large table on a page view.

    The unfiltered list on PostgreSQL uses the planner's row estimate; any other list
    counts at most `cap` + 1 rows and, past that, reports "more than `cap`".
    """

    cap = 10_000

    @cached_property
    def count(self):
        self.capped = self.estimated = False
        queryset = self.object_list
        if connection.vendor == "postgresql" and not queryset.query.where:
            estimate = self._estimate(queryset.model)
            if estimate > self.cap:
                self.estimated = True
                return estimate
        count = queryset.order_by()[: self.cap + 1].count()
        if count > self.cap:
            self.capped = True
            return self.cap
        return count

    @staticmethod
    def _estimate(model):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [model._meta.db_table],
            )
            row = cursor.fetchone()
        return row[0] if row else -1


class VerificationColumns:
    """A verification's roles and (masked) mobile, for the inline and the list."""

    @admin.display(description=_("roles"))
    def roles_display(self, obj):
        return " + ".join(str(Role(role).label) for role in obj.roles)

    @admin.display(description=_("mobile"))
    def mobile_display(self, obj):
        return show_mobile(obj.mobile)


def marked_reference(filing):
    """A filing's reference, marked when it is a provider's test filing (the
    sandbox)."""
    mark = render_to_string("admin/sandbox_mark.html", {"filing": filing})
    return format_html("{}{}", filing.reference, mark)


class FilingColumn:
    """The filing a row belongs to (at `filing_path` from the row), its reference
    marked when it is a provider's test filing (the sandbox)."""

    filing_path = "filing"

    @admin.display(description=_("filing"))
    def filing_display(self, obj):
        filing = obj
        for name in self.filing_path.split("__"):
            filing = getattr(filing, name, None)
        return "—" if filing is None else marked_reference(filing)


class SmsColumns:
    """A text message's (masked) recipient and text, for the inline and the list."""

    columns = (
        "created_at",
        "kind",
        "sender",
        "recipient_display",
        "text_display",
        "status",
        "report_display",
        "attempts",
        "failure",
        "error",
    )

    @admin.display(description=_("delivery report"))
    def report_display(self, obj):
        return timeline.report_text(obj) or "—"

    @admin.display(description=_("recipient"))
    def recipient_display(self, obj):
        return show_mobile(obj.recipient)

    @admin.display(description=_("text (code masked)"))
    def text_display(self, obj):
        return mask_code(obj.text)


class MobileSearchMixin:
    """Search by an exact mobile number, typed in any notation."""

    mobile_field = "mobile"
    search_fields: ClassVar[tuple[str, ...] | list[str]] = ("=filing__reference",)
    search_help_text: ClassVar["StrOrPromise | None"] = _(
        "An exact mobile number, or a filing reference."
    )

    def get_search_results(self, request, queryset, search_term):
        try:
            mobile = normalize_mobile(search_term)
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(**{self.mobile_field: mobile}), False


def sms_backend_label(path):
    """A backend's dotted path as staff know it: the backend's own `label`."""
    if not path:
        return "—"
    try:
        return import_string(path).label
    except (ImportError, AttributeError):
        return _("Another gateway")
