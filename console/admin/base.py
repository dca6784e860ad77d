"""What the console's pages share: view-only pages, the capped count, the mobile
search, and the verification and text-message columns."""

from typing import TYPE_CHECKING, ClassVar

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property
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


class ReadOnlyAdmin(ViewOnly, admin.ModelAdmin):
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
