"""The staff console for verifications, text messages and attempts (read-only)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from filings.admin import (
    CappedCountPaginator,
    ReadOnlyAdmin,
    SmsColumns,
    VerificationColumns,
)
from filings.privacy import show_mobile
from filings.validators import normalize_mobile
from verification.models import Attempt, SmsMessage, Verification


class MobileSearchMixin:
    """Search by an exact mobile number, typed in any notation."""

    mobile_field = "mobile"
    search_fields = ("=filing__reference",)
    search_help_text = _("An exact mobile number, or a filing reference.")

    def get_search_results(self, request, queryset, search_term):
        try:
            mobile = normalize_mobile(search_term)
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(**{self.mobile_field: mobile}), False


@admin.register(Verification)
class VerificationAdmin(VerificationColumns, MobileSearchMixin, ReadOnlyAdmin):
    list_display = (
        "filing",
        "roles_display",
        "mobile_display",
        "status",
        "failed_attempts",
        "resends",
        "verified_at",
    )
    list_select_related = ("filing",)
    list_filter = ("status",)
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
class SmsMessageAdmin(SmsColumns, MobileSearchMixin, ReadOnlyAdmin):
    mobile_field = "recipient"
    list_display = (
        "created_at",
        "kind",
        "sender",
        "recipient_display",
        "text_display",
        "status",
        "attempts",
        "error",
    )
    list_filter = ("status", "kind")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = (
        "created_at",
        "kind",
        "sender",
        "recipient_display",
        "text_display",
        "status",
        "attempts",
        "error",
        "attempted_at",
        "sent_at",
        "backend",
        "gateway_id",
        "filing",
    )
    readonly_fields = fields


@admin.register(Attempt)
class AttemptAdmin(MobileSearchMixin, ReadOnlyAdmin):
    search_fields = ("=verification__filing__reference",)
    list_display = (
        "created_at",
        "action",
        "channel",
        "mobile_display",
        "status",
        "reason",
        "ip",
    )
    list_filter = ("action", "status", "channel")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = (
        "created_at",
        "action",
        "channel",
        "mobile_display",
        "verification",
        "status",
        "reason",
        "ip",
        "user_agent",
    )
    readonly_fields = fields

    @admin.display(description=_("mobile"))
    def mobile_display(self, obj):
        return show_mobile(obj.mobile)
