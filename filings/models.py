"""The filing domain: reference data, the people and services a filing names, the
filing application itself, and its append-only audit trail.

A filing carries its subject, people and services as they were submitted: a later
filing for the same entity gets its own copies, so history never changes under an
existing filing (a changed mobile number in a new filing leaves the old one alone).
"""

import datetime
from typing import Any, Never

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from filings.choices import (
    CASE_WORK_EVENTS as CASE_WORK_EVENTS,
)
from filings.choices import (
    ActorKind as ActorKind,
)
from filings.choices import (
    AppPlatform as AppPlatform,
)
from filings.choices import (
    CertificateType as CertificateType,
)
from filings.choices import (
    ChangeScope as ChangeScope,
)
from filings.choices import (
    EventType as EventType,
)
from filings.choices import (
    FilingStatus as FilingStatus,
)
from filings.choices import (
    FilingType as FilingType,
)
from filings.choices import (  # re-exported: the records' vocabularies
    PolicyKey as PolicyKey,
)
from filings.choices import (
    ProviderEventType as ProviderEventType,
)
from filings.choices import (
    Role as Role,
)
from filings.choices import (
    ServiceKind as ServiceKind,
)
from filings.choices import (
    SubjectNature as SubjectNature,
)
from infra.scope import ProviderScopedManager


class Province(models.Model):
    """A provincial-level division, with the verification policy that applies now."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=32)
    name_en = models.CharField(_("name (English)"), max_length=64)
    abbreviation = models.CharField(_("ICP abbreviation"), max_length=2, unique=True)
    legacy_host = models.CharField(
        _("legacy pilot host"),
        max_length=32,
        blank=True,
        help_text=_("Host label of the 2017 pilot site, e.g. gscainfo."),
    )
    pilot_start = models.DateField(
        _("provincial verification since"),
        null=True,
        blank=True,
        help_text=_("When the province's own verification site went live, if ever."),
    )
    current_policy = models.CharField(
        _("current policy"), max_length=20, choices=PolicyKey.choices
    )
    policy_since = models.DateField(_("current policy since"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language."""
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") else self.name_zh


class Provider(models.Model):
    """An access provider (接入商) that submits filings on behalf of subjects."""

    # A provider's staff read their own provider alone (infra.scope).
    scoped_by = "id"

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=64)
    name_en = models.CharField(_("name (English)"), max_length=64)
    sms_signature = models.CharField(
        _("SMS signature"),
        max_length=16,
        blank=True,
        help_text=_("Shown in brackets at the start of the provider's text messages."),
    )
    sms_sender = models.CharField(
        _("SMS sender number"),
        max_length=20,
        blank=True,
        help_text=_("Number the provider's notifications come from (simulated)."),
    )

    objects = ProviderScopedManager["Provider"]()

    class Meta:
        ordering = ["code"]
        verbose_name = _("access provider")
        verbose_name_plural = _("access providers")

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language."""
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") else self.name_zh


def _named_in_filings_of(provider_id: int, kind: str) -> Q:
    """The condition on a person, subject, service or domain that some filing of the
    provider names it (one may be named in the filings of several providers)."""
    filings = FilingApplication._base_manager.filter(provider_id=provider_id)
    links = {
        "person": ["subject__leader", "services__administrator"],
        "subject": ["subject"],
        "service": ["services"],
        "domain": ["services__domains"],
    }[kind]
    condition = Q()
    for link in links:
        condition |= Q(Exists(filings.filter(**{link: OuterRef("pk")})))
    return condition


class Person(models.Model):
    """An entity leader or a website/app administrator as named in one filing."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(lambda p: _named_in_filings_of(p, "person"))

    name = models.CharField(_("name"), max_length=64)
    certificate_type = models.CharField(
        _("certificate type"), max_length=32, choices=CertificateType.choices
    )
    certificate_number = models.CharField(_("certificate number"), max_length=32)
    mobile = models.CharField(
        _("mobile"), max_length=11, db_index=True, help_text=_("Contact method 1.")
    )
    emergency_mobile = models.CharField(
        _("emergency mobile"), max_length=11, blank=True
    )
    # Keyed hashes of the mobile and the certificate number (privacy.lookup_key),
    # for the support desk's search by a full number.
    mobile_key = models.CharField(
        _("mobile lookup key"), max_length=64, blank=True, db_index=True
    )
    certificate_key = models.CharField(
        _("certificate lookup key"), max_length=64, blank=True, db_index=True
    )

    objects = ProviderScopedManager["Person"]()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    """The filing entity (主体): a company, an individual, an agency..."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(lambda p: _named_in_filings_of(p, "subject"))

    name = models.CharField(_("name"), max_length=128)
    nature = models.CharField(_("nature"), max_length=32, choices=SubjectNature.choices)
    certificate_type = models.CharField(
        _("certificate type"), max_length=32, choices=CertificateType.choices
    )
    certificate_number = models.CharField(_("certificate number"), max_length=32)
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, verbose_name=_("province")
    )
    leader = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="led_subjects",
        verbose_name=_("entity leader"),
    )
    certificate_key = models.CharField(
        _("certificate lookup key"), max_length=64, blank=True, db_index=True
    )

    objects = ProviderScopedManager["Subject"]()

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        indexes = [
            # prefix search (LIKE 'name%') on PostgreSQL whatever the collation
            models.Index(
                fields=["name"],
                name="subject_name_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["certificate_number"], name="subject_certificate"),
        ]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A website or an app of a subject."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(lambda p: _named_in_filings_of(p, "service"))

    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("subject"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ServiceKind.choices)
    name = models.CharField(_("name"), max_length=128)
    app_identifier = models.CharField(_("app identifier"), max_length=255, blank=True)
    # An app's filing (the MIIT's notice of 2023-08): the platforms it runs on, comma
    # separated (AppPlatform values), and the MD5 of its signing certificate, 32
    # lower-case hex digits. Empty for a website.
    app_platforms = models.CharField(
        _("platforms"), max_length=64, blank=True, db_default=""
    )
    app_signing_md5 = models.CharField(
        _("signing certificate MD5"), max_length=32, blank=True, db_default=""
    )
    administrator = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="administered_services",
        verbose_name=_("administrator"),
    )
    icp_number = models.CharField(
        _("ICP number"), max_length=40, blank=True, db_index=True
    )

    objects = ProviderScopedManager["Service"]()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name

    @property
    def platform_list(self) -> list[str]:
        """The app's platforms, as AppPlatform values."""
        return [p for p in self.app_platforms.split(",") if p]

    @property
    def signing_md5_text(self) -> str:
        """The signing MD5 as the app stores show it: AB:CD:... in capitals."""
        md5 = self.app_signing_md5.upper()
        return ":".join(md5[i : i + 2] for i in range(0, len(md5), 2))


class Domain(models.Model):
    """A domain name of a website, stored in its ASCII (IDNA) form."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(lambda p: _named_in_filings_of(p, "domain"))

    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="domains",
        verbose_name=_("service"),
    )
    name = models.CharField(_("domain"), max_length=253, db_index=True)

    objects = ProviderScopedManager["Domain"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "name"], name="domain_unique_per_service"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TestClock(models.Model):
    """A clock of the providers' sandbox: the filings submitted on it run on its time,
    which moves only when the provider advances it (`verification.test_clocks`)."""

    scoped_by = "provider_id"
    __test__ = False  # not a test class, whatever pytest makes of its name

    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("access provider"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    now_at = models.DateTimeField(_("its time"))
    # Held while an advance runs (a lease, in real time), so that a second advance,
    # or a submission onto the clock, waits for the first's answer.
    advancing_until = models.DateTimeField(_("being advanced until"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ProviderScopedManager["TestClock"]()

    class Meta:
        verbose_name = _("test clock")
        verbose_name_plural = _("test clocks")

    def __str__(self) -> str:
        return self.name or f"clock_{self.pk}"

    def is_advancing(self, now: datetime.datetime) -> bool:
        """Whether an advance of the clock is running (its lease not yet run out)."""
        return self.advancing_until is not None and self.advancing_until > now


def on_clock(clock: TestClock | None) -> dict[str, Any]:
    """A filings filter: those on no test clock (the real-time sweep), or on `clock`."""
    return {"test_clock": clock} if clock is not None else {"test_clock__isnull": True}


class FilingApplication(models.Model):
    """A filing application submitted by an access provider.

    The status field is changed only by the functions in `filings.transitions`.
    """

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "provider_id"

    # No single-column indexes on provider and province: the composite indexes below
    # lead with them, and every index is paid again on each status change.
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        db_index=False,
        verbose_name=_("access provider"),
    )
    reference = models.CharField(
        _("provider reference"),
        max_length=64,
        help_text=_("The provider's own reference for the application."),
    )
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, db_index=False, verbose_name=_("province")
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        related_name="filings",
        verbose_name=_("subject"),
    )
    filing_type = models.CharField(
        _("filing type"), max_length=20, choices=FilingType.choices
    )
    change_scope = models.CharField(
        _("change scope"),
        max_length=10,
        choices=ChangeScope.choices,
        blank=True,
        help_text=_("Only for change filings."),
    )
    services = models.ManyToManyField(
        Service, related_name="filings", blank=True, verbose_name=_("services")
    )
    policy = models.CharField(_("policy"), max_length=20, choices=PolicyKey.choices)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=FilingStatus.choices,
        default=FilingStatus.DRAFT,
        editable=False,
    )
    submitted_at = models.DateTimeField(
        _("submitted to the administration"), null=True, blank=True, editable=False
    )
    verification_deadline = models.DateTimeField(
        _("verification deadline"), null=True, blank=True, editable=False
    )
    # The review clock (filings.working_days): when the filing went to the
    # administration's review, and the last working day (Beijing date) of the review.
    review_started_at = models.DateTimeField(
        _("under review since"), null=True, blank=True, editable=False
    )
    review_deadline = models.DateField(
        _("review deadline"), null=True, blank=True, editable=False
    )
    # Counted in a year the holiday calendar did not cover yet (filings.working_days):
    # as it was when the deadline was set, which a later calendar does not change.
    review_deadline_provisional = models.BooleanField(
        _("review deadline provisional"), default=False, editable=False
    )
    # The code of the administration's reason, for a rejected filing
    # (filings.review_outcomes.REJECTION_REASONS).
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=40, blank=True, editable=False
    )
    # Submitted with a test key: the providers' sandbox. Never texted through a real
    # gateway, and kept out of the staff's queue, funnel and exports.
    livemode = models.BooleanField(
        _("live, not the sandbox"), default=True, db_default=True, editable=False
    )
    # A sandbox filing on a test clock runs on the clock's time, not the sweep's.
    test_clock = models.ForeignKey(
        TestClock,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="filings",
        verbose_name=_("test clock"),
    )
    icp_number = models.CharField(
        _("ICP number"), max_length=40, blank=True, db_index=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProviderScopedManager["FilingApplication"]()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("filing application")
        verbose_name_plural = _("filing applications")
        constraints = [
            # The sandbox's references are its own: a test may reuse a live one.
            models.UniqueConstraint(
                fields=["provider", "reference", "livemode"],
                name="filing_reference_unique_per_provider_and_mode",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(filing_type=FilingType.CHANGE) & ~models.Q(change_scope="")
                )
                | (
                    ~models.Q(filing_type=FilingType.CHANGE) & models.Q(change_scope="")
                ),
                name="filing_change_scope_only_for_changes",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "verification_deadline"]),
            models.Index(fields=["reference"]),
            # the dashboard's counts by province and status, read from the index alone
            models.Index(fields=["province", "status"], name="filing_province_status"),
            # the staff list's default order, and each of its filters with that order
            models.Index(fields=["-created_at", "-id"], name="filing_newest_first"),
            models.Index(fields=["status", "-created_at"], name="filing_status_newest"),
            models.Index(
                fields=["filing_type", "-created_at"], name="filing_type_newest"
            ),
            models.Index(fields=["policy", "-created_at"], name="filing_policy_newest"),
            models.Index(
                fields=["province", "-created_at"], name="filing_province_newest"
            ),
            models.Index(
                fields=["provider", "-created_at"], name="filing_provider_newest"
            ),
            # the provider API's list: a provider's filings, last changed first
            models.Index(
                fields=["provider", "-updated_at", "-id"],
                name="filing_provider_changed",
            ),
            # the work queue's "returned in the last 24 hours": a returned filing is
            # final, so its last update is its return, and only those rows are kept
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status="returned"),
                name="filing_returned_at",
            ),
            # the queue's "review deadline near" and the simulated administration:
            # only filings under review are kept
            models.Index(
                fields=["review_deadline"],
                condition=models.Q(status="under_review"),
                name="filing_review_due",
            ),
        ]
        permissions = [
            ("view_personal_data", "Can see unmasked mobile and certificate numbers"),
            ("resend_code", "Can resend a verification code (no applicant cap)"),
            ("extend_deadline", "Can extend a verification deadline"),
            (
                "extend_deadline_beyond_limit",
                "Can extend a deadline beyond the agents' limits",
            ),
            (
                "override_verification",
                "Can mark a person verified and change a person's mobile",
            ),
            ("return_filing", "Can return a filing to its provider"),
            ("cancel_filing", "Can cancel a filing"),
            ("decide_filing", "Can approve or reject a filing"),
            ("time_travel", "Can run the deadline sweep at a chosen time (demo)"),
        ]

    def __str__(self) -> str:
        return self.reference


class IcpNumberCounter(models.Model):
    """The last subject serial issued in a province in a year (ICP numbers)."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField()
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ICP number counter")
        verbose_name_plural = _("ICP number counters")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "year"], name="icp_counter_per_province_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.province} {self.year}: {self.last_serial}"


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    def update(self, **kwargs: Any) -> Never:
        raise TypeError(f"{self.model.__name__} rows are append-only; no updates.")

    def delete(self) -> Never:
        raise TypeError(f"{self.model.__name__} rows are append-only; no deletes.")


class AppendOnlyModel(models.Model):
    """A record that is only ever added: saving it again, deleting it, or updating or
    deleting through a queryset raises TypeError."""

    objects = ProviderScopedManager.from_queryset(AppendOnlyQuerySet)()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only; no changes.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise TypeError(f"{type(self).__name__} rows are append-only; no deletes.")


class AuditEvent(AppendOnlyModel):
    """One thing that happened to a filing. Rows are only ever added."""

    scoped_by = "filing__provider_id"

    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.PROTECT,
        related_name="audit_events",
        verbose_name=_("filing"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor_kind = models.CharField(
        _("actor kind"), max_length=16, choices=ActorKind.choices
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff user"),
    )
    event_type = models.CharField(_("event"), max_length=48, choices=EventType.choices)
    from_status = models.CharField(
        _("from status"), max_length=24, choices=FilingStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=24, choices=FilingStatus.choices, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return str(self.get_event_type_display())


class ProviderEvent(models.Model):
    """One event a filing's access provider is told of: the outbox of the webhooks.

    Written by `filings.provider_events` in the transaction of the state change it
    reports, numbered per filing (`sequence`, from 1). What it says never changes;
    `dispatched_at` is set once the webhook dispatcher has queued its deliveries.
    """

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "provider_id"

    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="+",
        verbose_name=_("access provider"),
    )
    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="provider_events",
        verbose_name=_("filing"),
    )
    sequence = models.PositiveIntegerField(_("number on the filing"))
    event_type = models.CharField(
        _("event"), max_length=32, choices=ProviderEventType.choices
    )
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)

    objects = ProviderScopedManager["ProviderEvent"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "sequence"], name="provider_event_sequence"
            )
        ]
        indexes = [
            # the event feed: a provider's events in order
            models.Index(fields=["provider", "id"], name="provider_event_feed"),
            # the dispatcher's sweep: only the rows still to dispatch are kept
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="provider_event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_type_display()} #{self.sequence}"
