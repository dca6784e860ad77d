"""The engine's records: verifications, text messages and attempts, read only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from console import (
    dashboard,
    labels,
)
from console.admin.base import (
    CappedCountPaginator,
    FilingColumn,
    MobileSearchMixin,
    ReadOnlyAdmin,
    SmsColumns,
    VerificationColumns,
    sms_backend_label,
)
from console.admin.filing_filters import ModeFilter
from filings.privacy import (
    show_mobile,
)
from verification import sms
from verification.models import (
    COUNTED_WRONG,
    THROTTLED,
    Attempt,
    AttemptReason,
    DeliveryReceipt,
    SmsMessage,
    Verification,
)

R = AttemptReason


@admin.register(Verification)
class VerificationAdmin(
    VerificationColumns, FilingColumn, MobileSearchMixin, ReadOnlyAdmin
):
    list_display = (
        "filing_display",
        "roles_display",
        "mobile_display",
        "status",
        "failed_attempts",
        "resends",
        "verified_at",
    )
    list_select_related = ("filing",)
    list_filter = ("status", ModeFilter.on("filing__livemode"))
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = (
        "filing",
        "roles_display",
        "mobile_display",
        "status",
        "failed_attempts",
        "resends",
        "code_issued_at",
        "auto_resend_due_at",
        "auto_resent_at",
        "verified_at",
    )
    readonly_fields = fields


@admin.register(SmsMessage)
class SmsMessageAdmin(SmsColumns, FilingColumn, MobileSearchMixin, ReadOnlyAdmin):
    mobile_field = "recipient"
    list_display = (*SmsColumns.columns, "filing_display")
    list_select_related = ("filing",)
    list_filter = ("status", "report", "kind", ModeFilter.on("filing__livemode"))
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = (
        *SmsColumns.columns,
        "attempted_at",
        "sent_at",
        "backend_display",
        "gateway_id",
        "filing",
    )
    readonly_fields = fields

    @admin.display(description=_("sent through"))
    def backend_display(self, obj):
        return sms_backend_label(obj.backend)


class AttemptOutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"
    GROUPS = {
        "verified": [R.VERIFIED],
        "wrong": [*COUNTED_WRONG, R.CODE_NOT_FOUND],
        "limit": [R.FAILURE_LIMIT],
        "resent": [R.RESENT],
        "refused": [R.RESEND_CAP, R.NOTHING_PENDING],
        "picture": [R.WRONG_PICTURE],
        "throttled": list(THROTTLED),
        "closed": [
            R.INVALID_MOBILE,
            R.NO_VERIFICATION,
            R.EXPIRED,
            R.ALREADY_FAILED,
            R.ALREADY_EXPIRED,
            R.CANCELLED,
            R.ALREADY_VERIFIED,
            R.WRONG_AFTER_VERIFIED,
        ],
    }

    def lookups(self, request, model_admin):
        return [
            ("verified", _("Verified")),
            ("wrong", _("Wrong entry")),
            ("limit", _("Failure limit reached")),
            ("resent", _("New code sent")),
            ("refused", _("Resend refused")),
            ("picture", _("Wrong picture characters")),
            ("throttled", _("Held back (too many tries)")),
            ("closed", _("Nothing waiting to verify")),
        ]

    def queryset(self, request, queryset):
        if self.value() in self.GROUPS:
            return queryset.filter(reason__in=self.GROUPS[self.value()])
        return queryset


@admin.register(Attempt)
class AttemptAdmin(FilingColumn, MobileSearchMixin, ReadOnlyAdmin):
    search_fields = ("=verification__filing__reference",)
    filing_path = "verification__filing"
    list_display = (
        "created_at",
        "page",
        "mobile_display",
        "answer",
        "wrong_part",
        "consecutive_failures",
        "ip",
        "filing_display",
    )
    list_select_related = ("verification__filing",)
    list_filter = (
        "action",
        AttemptOutcomeFilter,
        "wrong_part",
        ModeFilter.on("verification__filing__livemode"),
    )
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-created_at", "-id")
    fields = (
        "created_at",
        "page",
        "mobile_display",
        "verification",
        "answer",
        "wrong_part",
        "consecutive_failures",
        "ip",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description=_("mobile"))
    def mobile_display(self, obj):
        return show_mobile(obj.mobile)

    @admin.display(description=_("page"))
    def page(self, obj):
        return labels.channel_label(obj.channel)

    @admin.display(description=_("answer"))
    def answer(self, obj):
        return dashboard.outcome_words(obj.action, obj.status, obj.reason)


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ReadOnlyAdmin):
    """Every receipt the gateways gave, pushed or pulled, as it came."""

    list_display = (
        "received_at",
        "vendor_display",
        "message",
        "delivered",
        "reason",
        "code",
        "reported_at",
        "source",
        "before_send",
        "applied",
    )
    list_select_related = ("message",)
    list_filter = ("vendor", "delivered", "reason", "source")
    search_fields = ("=gateway_id", "=code")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = (*list_display, "description", "gateway_id")
    readonly_fields = fields

    @admin.display(description=_("gateway"))
    def vendor_display(self, obj):
        return sms_backend_label(sms.backend_path(obj.vendor))
