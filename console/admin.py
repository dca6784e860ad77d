"""The staff console: read-only pages for filings, verifications, text messages and
attempts, overrides as actions, CSV export.

Nothing here edits a status: the overrides in `console.overrides` go through the
transition and engine functions. Personal data is masked unless the user holds
`filings.view_personal_data` (see `filings.privacy`).
"""

import datetime
from typing import TYPE_CHECKING, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from console import (
    casework,
    dashboard,
    logins_admin,  # noqa: F401 - registers the staff login records
    overrides,
    story,
    views,
)
from console.models import (
    WAITING_STATUSES,
    FollowUp,
    Macro,
    MacroAction,
    MacroStep,
    Note,
)
from filings import spreadsheets
from filings.models import (
    ActorKind,
    AuditEvent,
    Domain,
    FilingApplication,
    FilingStatus,
    IcpNumberCounter,
    Person,
    Provider,
    Province,
    Role,
    Service,
    Subject,
)
from filings.privacy import (
    can_see_personal_data,
    mask_certificate,
    mask_code,
    mask_mobile,
    show_certificate,
    show_mobile,
)
from filings.validators import normalize_domain, normalize_mobile
from verification.models import Attempt, SmsMessage, Verification

FilingServices = FilingApplication.services.through
BLANK_CHOICE_LABEL = _("- Select an option -")

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class ViewOnly:
    """Records are written by the system, never typed in: view only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ViewOnly, admin.ModelAdmin):
    pass


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


def filing_ids_for_term(term):
    """Filing ids for a search term that is a mobile, an ICP number or a domain.

    Returns None when the term is none of those. Each branch is an exact match on an
    indexed column, so the sets stay small at any volume.
    """
    try:
        mobile = normalize_mobile(term)
    except ValidationError:
        mobile = None
    if mobile:
        as_leader = FilingApplication.objects.filter(subject__leader__mobile=mobile)
        as_admin = FilingServices.objects.filter(service__administrator__mobile=mobile)
        verifying = Verification.objects.filter(mobile=mobile)
        return (
            set(as_leader.values_list("id", flat=True))
            | set(as_admin.values_list("filingapplication_id", flat=True))
            | set(verifying.values_list("filing_id", flat=True))
        )
    if "ICP" in term.upper():
        return set(
            FilingApplication.objects.filter(icp_number=term).values_list(
                "id", flat=True
            )
        ) | set(
            FilingServices.objects.filter(service__icp_number=term).values_list(
                "filingapplication_id", flat=True
            )
        )
    if "." in term and " " not in term:
        try:
            domain = normalize_domain(term)
        except ValidationError:
            return None
        return set(
            FilingServices.objects.filter(service__domains__name=domain).values_list(
                "filingapplication_id", flat=True
            )
        )
    return None


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
        return story.report_text(obj) or "—"

    @admin.display(description=_("recipient"))
    def recipient_display(self, obj):
        return show_mobile(obj.recipient)

    @admin.display(description=_("text (code masked)"))
    def text_display(self, obj):
        return mask_code(obj.text)


@admin.register(FilingApplication)
class FilingApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "provider_code",
        "province_code",
        "filing_type",
        "subject_name",
        "status",
        "time_left",
        "verified_of",
    )
    list_filter = (
        "status",
        "province",
        "provider",
        "filing_type",
        "policy",
        DeadlineFilter,
    )
    search_fields = ("reference",)
    search_help_text = _(
        "Reference, subject name (from its start), domain, ICP number or an exact "
        "mobile number."
    )
    list_select_related = ("provider", "province", "subject")
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # facet counts would scan the whole table
    paginator = CappedCountPaginator
    ordering = ("-created_at", "-id")
    actions = overrides.ALL
    change_form_template = "admin/filings/filingapplication/change_form.html"
    fieldsets = (
        (
            _("Filing"),
            {
                "fields": (
                    ("reference", "filing_type", "change_scope"),
                    ("icp_number", "created", "updated"),
                )
            },
        ),
        (_("Subject and entity leader"), {"fields": ("subject_details",)}),
        (_("Websites and apps"), {"fields": ("services_details",)}),
    )
    readonly_fields = (
        "reference",
        "filing_type",
        "change_scope",
        "icp_number",
        "created",
        "updated",
        "subject_details",
        "services_details",
    )

    class Media:
        css = {"all": ["staff/staff.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("verifications")

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        ids = filing_ids_for_term(term)
        if ids is not None:
            return queryset.filter(pk__in=ids), False
        # An exact reference is what the term almost always is; testing it first keeps
        # the query to one index (an OR with the name search defeats both indexes).
        by_reference = queryset.filter(reference=term)
        if by_reference.exists():
            return by_reference, False
        return queryset.filter(subject__name__startswith=term), False

    def get_action_choices(
        self,
        request,
        default_choices=None,
        action_location=ActionLocation.CHANGE_LIST,
    ):
        # Django's own blank label has no Chinese translation yet; this one does.
        return super().get_action_choices(
            request,
            default_choices or [("", BLANK_CHOICE_LABEL)],
            action_location=action_location,
        )

    # Permissions named by the actions' `permissions=[...]`.
    def has_resend_permission(self, request):
        return request.user.has_perm("filings.resend_code")

    def has_extend_permission(self, request):
        return request.user.has_perm("filings.extend_deadline")

    def has_override_permission(self, request):
        return request.user.has_perm("filings.override_verification")

    def has_return_permission(self, request):
        return request.user.has_perm("filings.return_filing")

    def has_cancel_permission(self, request):
        return request.user.has_perm("filings.cancel_filing")

    def has_decide_permission(self, request):
        return request.user.has_perm("filings.decide_filing")

    @admin.display(description=_("provider"), ordering="provider__code")
    def provider_code(self, obj):
        return obj.provider.local_name

    @admin.display(description=_("province"), ordering="province__code")
    def province_code(self, obj):
        return obj.province.local_name

    @admin.display(description=_("subject"))
    def subject_name(self, obj):
        return obj.subject.name

    @admin.display(description=_("time left"), ordering="verification_deadline")
    def time_left(self, obj):
        if (
            obj.status != FilingStatus.PENDING_VERIFICATION
            or not obj.verification_deadline
        ):
            return "—"
        return story.time_left_text(obj.verification_deadline)

    @admin.display(description=_("people verified"))
    def verified_of(self, obj):
        verifications = obj.verifications.all()
        if not verifications:
            return "—"
        done = sum(1 for v in verifications if v.status == "verified")
        return f"{done} / {len(verifications)}"

    @admin.display(description=_("created"))
    def created(self, obj):
        return story.beijing(obj.created_at)

    @admin.display(description=_("updated"))
    def updated(self, obj):
        return story.beijing(obj.updated_at)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        filing = (
            self.get_queryset(request)
            .select_related("provider", "province", "subject__leader", "case__owner")
            .filter(pk=object_id)
            .first()
            if str(object_id).isdigit()
            else None
        )
        if filing is not None:
            request.filing_page_object = filing  # read once, see get_object
            told = story.load(filing)
            extra_context = {
                **(extra_context or {}),
                "story": told,
                "headline": story.headline(told),
                "facts": story.facts(told),
                "override_buttons": overrides.buttons(
                    filing, told.verifications, request.user, told.now
                ),
                "case": views.filing_case_context(filing, request.user),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        loaded = getattr(request, "filing_page_object", None)
        if loaded is not None and str(loaded.pk) == str(object_id):
            return loaded
        return super().get_object(request, object_id, from_field)

    @admin.display(description=_("subject"))
    def subject_details(self, obj):
        subject, leader = obj.subject, obj.subject.leader
        rows = [
            (_("name"), subject.name),
            (_("nature"), subject.get_nature_display()),
            (
                _("certificate"),
                f"{subject.get_certificate_type_display()} "
                f"{show_certificate(subject.certificate_number)}",
            ),
            (_("entity leader"), leader.name),
            (
                _("leader's certificate"),
                f"{leader.get_certificate_type_display()} "
                f"{show_certificate(leader.certificate_number)}",
            ),
            (_("leader's mobile"), show_mobile(leader.mobile)),
            (_("emergency mobile"), show_mobile(leader.emergency_mobile) or "—"),
        ]
        return format_html(
            '<table class="person-table">{}</table>',
            format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows),
        )

    @admin.display(description=_("services"))
    def services_details(self, obj):
        services = obj.services.select_related("administrator").prefetch_related(
            "domains"
        )
        rows = [
            (
                service.get_kind_display(),
                service.name,
                ", ".join(d.name for d in service.domains.all())
                or service.app_identifier,
                service.administrator.name,
                show_mobile(service.administrator.mobile),
                show_certificate(service.administrator.certificate_number),
                service.icp_number or "—",
            )
            for service in services
        ]
        if not rows:
            return "—"
        header = format_html_join(
            "",
            "<th>{}</th>",
            [
                (_("kind"),),
                (_("name"),),
                (_("domains / app"),),
                (_("administrator"),),
                (_("mobile"),),
                (_("certificate"),),
                (_("ICP number"),),
            ],
        )
        body = format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", rows)
        return format_html(
            '<table class="person-table"><tr>{}</tr>{}</table>', header, body
        )

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="filings_filingapplication_export",
        )
        return [export, *super().get_urls()]

    def export_view(self, request):
        """The filtered list as CSV, streamed; masked unless permitted."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request).select_related(
            "provider", "province", "subject__leader"
        )
        visible = can_see_personal_data(request.user)
        response = StreamingHttpResponse(
            _csv_rows(queryset, visible), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="filings-{stamp}.csv"'
        return response


CSV_HEADER = [
    "reference",
    "provider",
    "province",
    "type",
    "change_scope",
    "policy",
    "status",
    "submitted_at",
    "deadline",
    "icp_number",
    "subject",
    "leader_mobile",
    "leader_certificate",
    "verified",
    "to_verify",
]


class _Echo:
    def write(self, value):
        return value


def _iso(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def _csv_rows(queryset, visible):
    writer = spreadsheets.writer(_Echo())
    yield "\ufeff"  # so spreadsheet programs read the Chinese as UTF-8
    yield writer.writerow(CSV_HEADER)
    mobile = (lambda m: m) if visible else mask_mobile
    certificate = (lambda c: c) if visible else mask_certificate
    for filing in queryset.prefetch_related("verifications").iterator(chunk_size=2000):
        verifications = filing.verifications.all()
        yield writer.writerow(
            [
                filing.reference,
                filing.provider.code,
                filing.province_id,
                filing.filing_type,
                filing.change_scope,
                filing.policy,
                filing.status,
                _iso(filing.submitted_at),
                _iso(filing.verification_deadline),
                filing.icp_number,
                filing.subject.name,
                mobile(filing.subject.leader.mobile),
                certificate(filing.subject.leader.certificate_number),
                sum(1 for v in verifications if v.status == "verified"),
                len(verifications),
            ]
        )


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = (
        "local_name_display",
        "abbreviation",
        "current_policy",
        "policy_since",
        "pilot_start",
        "legacy_host",
    )
    list_filter = ("current_policy",)
    readonly_fields = ("code", "name_zh", "name_en", "abbreviation", "legacy_host")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("name"), ordering="code")
    def local_name_display(self, obj):
        return obj.local_name


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("local_name_display", "sms_signature", "sms_sender")

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("name"), ordering="code")
    def local_name_display(self, obj):
        return obj.local_name


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "certificate_type", "certificate", "mobile_display")
    fields = ("name", "certificate_type", "certificate", "mobile_display", "emergency")
    readonly_fields = fields
    search_fields = ("name",)
    search_help_text = _("A name, or an exact mobile number.")

    def get_search_results(self, request, queryset, search_term):
        try:
            mobile = normalize_mobile(search_term)
        except ValidationError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(mobile=mobile) | Q(emergency_mobile=mobile)), False

    @admin.display(description=_("certificate number"))
    def certificate(self, obj):
        return show_certificate(obj.certificate_number)

    @admin.display(description=_("mobile"))
    def mobile_display(self, obj):
        return show_mobile(obj.mobile)

    @admin.display(description=_("emergency mobile"))
    def emergency(self, obj):
        return show_mobile(obj.emergency_mobile) or "—"


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "nature", "province", "certificate")
    list_select_related = ("province",)
    fields = ("name", "nature", "province", "certificate", "leader")
    readonly_fields = fields
    search_fields = ("name",)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(name__startswith=term), False

    @admin.display(description=_("certificate number"))
    def certificate(self, obj):
        return show_certificate(obj.certificate_number)


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "subject", "app_identifier", "icp_number")
    list_select_related = ("subject",)
    list_filter = ("kind",)
    search_fields = ("=icp_number", "=app_identifier")
    readonly_fields = (
        "subject",
        "kind",
        "name",
        "app_identifier",
        "administrator",
        "icp_number",
    )


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ("name", "service")
    list_select_related = ("service",)
    search_fields = ("=name",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "when",
        "filing",
        "actor",
        "event_type",
        "from_status",
        "to_status",
        "reason_display",
    )
    list_select_related = ("filing", "staff_user")
    list_filter = ("event_type", "actor_kind")
    search_fields = ("=filing__reference",)
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = (
        "when",
        "filing",
        "actor",
        "event_type",
        "from_status",
        "to_status",
        "reason_display",
        "details",
    )
    readonly_fields = fields

    @admin.display(description=_("reason"))
    def reason_display(self, obj):
        # What people typed; the system's own notes are said by the event itself.
        if obj.actor_kind in (ActorKind.STAFF, ActorKind.PROVIDER) and obj.reason:
            return obj.reason
        return "—"

    @admin.display(description=_("when (Beijing time)"), ordering="created_at")
    def when(self, obj):
        return story.beijing(obj.created_at, with_seconds=True)

    @admin.display(description=_("by"))
    def actor(self, obj):
        if obj.staff_user_id:
            return obj.staff_user.get_username()
        return obj.get_actor_kind_display()

    @admin.display(description=_("what happened"))
    def details(self, obj):
        """The event as the filing page's timeline tells it."""
        told = story.load(obj.filing)
        by_id = {v.pk: v for v in told.verifications}
        return story.event_entry(told, obj, by_id).sentence


@admin.register(IcpNumberCounter)
class IcpNumberCounterAdmin(ReadOnlyAdmin):
    list_display = ("province", "year", "last_serial")
    list_select_related = ("province",)


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
    list_display = SmsColumns.columns
    list_filter = ("status", "report", "kind")
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


def sms_backend_label(path):
    """A backend's dotted path as staff know it: the backend's own `label`."""
    if not path:
        return "—"
    try:
        return import_string(path).label
    except (ImportError, AttributeError):
        return _("Another gateway")


class AttemptOutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"
    GROUPS = {
        "verified": ["verified"],
        "wrong": [
            "wrong_code_or_certificate",
            "wrong_certificate",
            "failure_limit",
            "code_not_found",
        ],
        "limit": ["failure_limit"],
        "resent": ["resent"],
        "refused": ["resend_cap", "nothing_pending"],
        "picture": ["wrong_picture"],
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
        ]

    def queryset(self, request, queryset):
        if self.value() == "throttled":
            return queryset.filter(reason__startswith="throttled")
        if self.value() in self.GROUPS:
            return queryset.filter(reason__in=self.GROUPS[self.value()])
        return queryset


@admin.register(Attempt)
class AttemptAdmin(MobileSearchMixin, ReadOnlyAdmin):
    search_fields = ("=verification__filing__reference",)
    list_display = (
        "created_at",
        "page",
        "mobile_display",
        "answer",
        "wrong_part",
        "consecutive_failures",
        "ip",
    )
    list_filter = ("action", AttemptOutcomeFilter, "wrong_part")
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
        return story.channel_label(obj.channel)

    @admin.display(description=_("answer"))
    def answer(self, obj):
        return dashboard.outcome_words(obj.action, obj.status, obj.reason)


class MacroStepInline(admin.TabularInline):
    model = MacroStep
    extra = 1
    fields = ("position", "action", "hours")


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = (
            "name_zh",
            "name_en",
            "reason_template",
            "note_template",
            "follow_up_hours",
            "is_active",
            "position",
        )

    def clean(self):
        data = super().clean()
        for name in ("reason_template", "note_template"):
            problem = casework.template_problems(data.get(name, ""))
            if problem:
                self.add_error(name, problem)
                continue
            try:
                casework.check_free_text(data.get(name, ""), required=False)
            except casework.CaseRefused as exc:
                self.add_error(name, str(exc))
        hours = data.get("follow_up_hours")
        if hours is not None and not 1 <= hours <= 24 * 90:
            self.add_error("follow_up_hours", _("Between 1 and 2160 hours (90 days)."))
        return data


class MacroStepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        steps = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            extend = data.get("action") == MacroAction.EXTEND_DEADLINE
            hours = data.get("hours")
            if extend and not (hours and 1 <= hours <= 336):
                form.add_error("hours", _("Extend by 1 to 336 hours."))
            if not extend and hours:
                form.add_error("hours", _("Only “Extend the deadline” takes hours."))
        if not steps:
            raise ValidationError(_("A macro needs at least one override."))


MacroStepInline.formset = MacroStepFormSet  # type: ignore[misc]  # the stubs' ClassVar


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Supervisors define the macros; agents and auditors read them."""

    form = MacroForm
    inlines = [MacroStepInline]
    list_display = (
        "local_name_display",
        "steps_display",
        "follow_up_hours",
        "is_active",
    )
    list_editable = ()
    ordering = ("position", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description=_("name"))
    def local_name_display(self, obj):
        return obj.local_name

    @admin.display(description=_("steps"))
    def steps_display(self, obj):
        return " → ".join(str(s.get_action_display()) for s in obj.steps.all())


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ("written", "filing", "author_display", "text")
    list_select_related = ("filing", "author")
    search_fields = ("=filing__reference",)
    search_help_text = _("A filing reference.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("-id",)
    fields = ("written", "filing", "author_display", "text")
    readonly_fields = fields

    @admin.display(description=_("written (Beijing time)"), ordering="created_at")
    def written(self, obj):
        return story.beijing(obj.created_at)

    @admin.display(description=_("author"))
    def author_display(self, obj):
        return obj.author.get_username()


class FollowUpStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("due", _("Due now")), ("done", _("Done"))]

    def queryset(self, request, queryset):
        open_ = queryset.filter(
            done_at__isnull=True, filing__status__in=WAITING_STATUSES
        )
        if self.value() == "open":
            return open_
        if self.value() == "due":
            return open_.filter(due_at__lte=timezone.now())
        if self.value() == "done":
            return queryset.exclude(pk__in=open_.values("pk"))
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("due", "filing", "note", "set_by", "state")
    list_select_related = ("filing", "created_by", "done_by")
    list_filter = (FollowUpStateFilter,)
    search_fields = ("=filing__reference",)
    search_help_text = _("A filing reference.")
    show_full_result_count = False
    paginator = CappedCountPaginator
    ordering = ("due_at", "id")
    fields = ("due", "filing", "note", "set_by", "state")
    readonly_fields = fields

    @admin.display(description=_("due (Beijing time)"), ordering="due_at")
    def due(self, obj):
        return story.beijing(obj.due_at)

    @admin.display(description=_("set by"))
    def set_by(self, obj):
        return obj.created_by.get_username()

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.done_at and obj.done_by_id is None:
            return _("Closed at %(when)s: the filing is “%(status)s”") % {
                "when": story.beijing(obj.done_at),
                "status": obj.filing.get_status_display(),
            }
        if obj.done_at:
            return _("Done by %(who)s at %(when)s") % {
                "who": obj.done_by.get_username() if obj.done_by else "—",
                "when": story.beijing(obj.done_at),
            }
        if obj.filing.status not in WAITING_STATUSES:
            return _("Closed: the filing is “%(status)s”") % {
                "status": obj.filing.get_status_display()
            }
        return _("Open")
