"""The filing list's own filters: which deadline, and live filings or the
providers' sandbox."""

import datetime

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filings.models import FilingStatus


class ModeFilter(admin.SimpleListFilter):
    """Live filings unless asked: the providers' sandbox (filings made with a test
    key) is theirs to test with, not the support team's work, nor in the exports.

    `livemode_field` is the path to the filing's mode from the list's rows (`on`); a
    row of no filing (a contact check's text, an attempt that matched nothing) is
    live."""

    title = _("live or sandbox")
    parameter_name = "mode"
    livemode_field = "livemode"

    @classmethod
    def on(cls, livemode_field: str) -> type["ModeFilter"]:
        """The filter for rows whose filing's mode is at `livemode_field`."""
        return type(cls.__name__, (cls,), {"livemode_field": livemode_field})

    def lookups(self, request, model_admin):
        return [
            ("sandbox", _("The providers' sandbox")),
            ("all", _("Both")),
        ]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Live filings"),
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: value}
                ),
                "display": label,
            }

    def queryset(self, request, queryset):
        sandbox = {self.livemode_field: False}
        if self.value() == "all":
            return queryset
        if self.value() == "sandbox":
            return queryset.filter(**sandbox)
        return queryset.exclude(**sandbox)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("2h", _("Within 2 hours")),
            ("24h", _("Within 24 hours")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = queryset.filter(status=FilingStatus.PENDING_VERIFICATION)
        if self.value() == "overdue":
            return pending.filter(verification_deadline__lt=now)
        for value, hours in (("2h", 2), ("24h", 24)):
            if self.value() == value:
                return pending.filter(
                    verification_deadline__gte=now,
                    verification_deadline__lt=now + datetime.timedelta(hours=hours),
                )
        return queryset
