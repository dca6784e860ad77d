"""The filings' pages: the filing list and page (overrides as actions, CSV
export), the reference data, and the audit trail.

Nothing here edits a status: the overrides in `console.overrides` go through the
engine's entrance (`verification.moves`). Personal data is masked unless the user
holds `filings.view_personal_data` (see `filings.privacy`).
"""

from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from console import (
    escalations,
    next_step,
    overrides,
    presence,
    scripts,
    story,
    timeline,
    views,
)
from console.admin.base import (
    BLANK_CHOICE_LABEL,
    AdministrationWrites,
    CappedCountPaginator,
    ConsoleAdmin,
    FilingColumn,
    ReadOnlyAdmin,
    marked_reference,
    of_administration,
)
from console.admin.filing_filters import DeadlineFilter, ModeFilter
from filings import spreadsheets
from filings.models import (
    ActorKind,
    AppPlatform,
    AuditEvent,
    Domain,
    FilingApplication,
    FilingStatus,
    IcpNumberCounter,
    Person,
    Provider,
    Province,
    Service,
    Subject,
)
from filings.privacy import (
    can_see_personal_data,
    mask_certificate,
    mask_mobile,
    show_certificate,
    show_mobile,
)
from filings.validators import normalize_domain, normalize_mobile
from verification.models import Verification, VerificationStatus

FilingServices = FilingApplication.services.through


def _app_text(service):
    """An app's identifier, platforms and signing certificate's MD5, in words."""
    if not service.app_identifier:
        return ""
    platforms = "/".join(
        str(AppPlatform(p).label)
        for p in service.platform_list
        if p in AppPlatform.values
    )
    text = service.app_identifier
    if platforms:
        text = f"{text} ({platforms})"
    if service.app_signing_md5:
        text = _("%(app)s; signing MD5 %(md5)s") % {
            "app": text,
            "md5": service.signing_md5_text,
        }
    return text


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


@admin.register(FilingApplication)
class FilingApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "reference_display",
        "provider_code",
        "province_code",
        "filing_type",
        "subject_name",
        "status",
        "time_left",
        "verified_of",
    )
    list_display_links = ("reference_display",)
    list_filter = (
        "status",
        "province",
        "provider",
        "filing_type",
        "policy",
        DeadlineFilter,
        ModeFilter,
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

    @admin.display(description=_("provider reference"), ordering="reference")
    def reference_display(self, obj):
        """The reference, marked when it is a provider's test filing (the sandbox)."""
        return marked_reference(obj)

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
        done = sum(1 for v in verifications if v.status == VerificationStatus.VERIFIED)
        return f"{done} / {len(verifications)}"

    @admin.display(description=_("created"))
    def created(self, obj):
        return timeline.beijing(obj.created_at)

    @admin.display(description=_("updated"))
    def updated(self, obj):
        return timeline.beijing(obj.updated_at)

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
            buttons = overrides.buttons(
                filing, told.verifications, request.user, told.now
            )
            step = next_step.next_step(told)
            presence.forget_stale(request.user, now=told.now)
            presence.beat(filing.pk, request.user, now=told.now)
            others = presence.others_on(filing.pk, request.user, now=told.now)
            offered = scripts.offered(told)
            extra_context = {
                **(extra_context or {}),
                "story": told,
                "headline": story.headline(told),
                "next_step": step,
                "next_step_button": next(
                    (b for b in buttons if step and b["name"] == step.action), None
                ),
                "facts": story.facts(told),
                "override_buttons": buttons,
                "case": views.filing_case_context(filing, request.user),
                "present_sentence": views.presence_sentence(others),
                "answer_scripts": offered,
                "next_step_script": next(
                    (s for s in offered if step and s.key == step.situation), None
                ),
                "ask_buttons": [b for b in buttons if b["askable"]],
                "ask_people": overrides.pending_choices(told.verifications),
                "rejection_reasons": overrides.rejection_choices(),
                "open_requests": escalations.open_on(filing),
                "heartbeat_seconds": presence.HEARTBEAT_SECONDS,
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
                ", ".join(d.name for d in service.domains.all()) or _app_text(service),
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
                sum(
                    1 for v in verifications if v.status == VerificationStatus.VERIFIED
                ),
                len(verifications),
            ]
        )


@admin.register(Province)
class ProvinceAdmin(AdministrationWrites, ConsoleAdmin):
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
class ProviderAdmin(AdministrationWrites, ConsoleAdmin):
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
        "platforms",
        "signing_md5",
        "administrator",
        "icp_number",
    )

    @admin.display(description=_("platforms"))
    def platforms(self, obj):
        return (
            "/".join(
                str(AppPlatform(p).label)
                for p in obj.platform_list
                if p in AppPlatform.values
            )
            or "—"
        )

    @admin.display(description=_("signing certificate MD5"))
    def signing_md5(self, obj):
        return obj.signing_md5_text or "—"


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = ("name", "service")
    list_select_related = ("service",)
    search_fields = ("=name",)


@admin.register(AuditEvent)
class AuditEventAdmin(FilingColumn, ReadOnlyAdmin):
    list_display = (
        "when",
        "filing_display",
        "actor",
        "event_type",
        "from_status",
        "to_status",
        "reason_display",
    )
    list_select_related = ("filing", "staff_user")
    list_filter = ("event_type", "actor_kind", ModeFilter.on("filing__livemode"))
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
        return timeline.beijing(obj.created_at, with_seconds=True)

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
        return timeline.event_entry(told, obj, by_id).sentence


@admin.register(IcpNumberCounter)
class IcpNumberCounterAdmin(AdministrationWrites, ReadOnlyAdmin):
    """The numbering: the administration's to read (its counts are everyone's)."""

    list_display = ("province", "year", "last_serial")

    def has_view_permission(self, request, obj=None):
        return of_administration(request) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return of_administration(request) and super().has_module_permission(request)

    list_select_related = ("province",)
