"""Verification records: one per distinct mobile that must verify a filing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from filings.models import Role
from filings.privacy import mask_mobile
from infra.scope import ProviderScopedManager
from verification.choices import (
    DeliveryFailure as DeliveryFailure,
)
from verification.choices import (
    DeliveryReport as DeliveryReport,
)
from verification.choices import (
    ReceiptSource as ReceiptSource,
)
from verification.choices import (
    ReportReason as ReportReason,
)
from verification.choices import (
    SmsKind as SmsKind,
)
from verification.choices import (
    SmsStatus as SmsStatus,
)


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    VERIFIED = "verified", _("Verified")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class Verification(models.Model):
    """The SMS verification one person (one mobile) owes a filing.

    Two roles with the same mobile are one person, so one record carries both roles.
    """

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    # Indexed by the unique (filing, mobile) constraint, which leads with it.
    filing = models.ForeignKey(
        "filings.FilingApplication",
        on_delete=models.PROTECT,
        db_index=False,
        related_name="verifications",
        verbose_name=_("filing"),
    )
    mobile = models.CharField(_("mobile"), max_length=11)
    is_leader = models.BooleanField(_("entity leader"), default=False)
    is_administrator = models.BooleanField(_("administrator"), default=False)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
        editable=False,
    )
    failed_attempts = models.PositiveSmallIntegerField(
        _("consecutive failed attempts"), default=0, editable=False
    )
    resends = models.PositiveSmallIntegerField(
        _("resends"),
        default=0,
        editable=False,
        help_text=_(
            "Resends the applicant asked for (counted against the policy cap)."
        ),
    )
    code_hash = models.CharField(
        _("code hash"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Keyed hash (HMAC-SHA256) of the current code; never the code."),
    )
    previous_code_hash = models.CharField(
        _("previous code hash"),
        max_length=64,
        blank=True,
        db_default="",  # the code before this column inserts without it
        editable=False,
        help_text=_(
            "Hash of the code a resend replaced, so that staff can tell an old code "
            "from a wrong one. It is never accepted."
        ),
    )
    # The check needs nothing but this row: no person, service or certificate
    # number is read to tell whether typed digits are this person's.
    certificate_hashes = models.TextField(
        _("certificate hashes"),
        blank=True,
        db_default="",  # rows written by bulk SQL without it are filled by rehashing
        editable=False,
        help_text=_(
            "Keyed hashes (HMAC-SHA256) of the last six characters of each "
            "certificate number that identifies this person; never the characters."
        ),
    )
    code_issued_at = models.DateTimeField(
        _("code issued"), null=True, blank=True, editable=False
    )
    auto_resend_due_at = models.DateTimeField(
        _("automatic resend due"), null=True, blank=True, editable=False
    )
    auto_resent_at = models.DateTimeField(
        _("automatically resent"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    verified_at = models.DateTimeField(
        _("verified"), null=True, blank=True, editable=False
    )
    # Kept on the row for the dashboard's funnel, which then reads one table.
    code_delivered_at = models.DateTimeField(
        _("first code delivered"), null=True, blank=True, editable=False
    )
    first_attempt_at = models.DateTimeField(
        _("first attempt"), null=True, blank=True, editable=False
    )

    objects = ProviderScopedManager["Verification"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("verification")
        verbose_name_plural = _("verifications")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "mobile"], name="verification_one_per_mobile"
            ),
            models.CheckConstraint(
                condition=models.Q(is_leader=True) | models.Q(is_administrator=True),
                name="verification_has_a_role",
            ),
            # "No-repeated" codes: no two currently valid codes are the same.
            models.UniqueConstraint(
                fields=["code_hash"],
                condition=models.Q(status="pending") & ~models.Q(code_hash=""),
                name="verification_pending_code_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["mobile", "status"]),
            models.Index(
                fields=["status", "updated_at"], name="verification_outcome_day"
            ),
            # the dashboard's chart: people verified per day
            models.Index(
                fields=["status", "verified_at"], name="verification_verified_day"
            ),
            # the dashboard's funnel: the people asked to verify in a period, and
            # the oldest one still waiting (days before it are final)
            models.Index(fields=["created_at"], name="verification_created"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="verification_pending_since",
            ),
            models.Index(
                fields=["auto_resend_due_at"],
                condition=models.Q(status="pending", auto_resent_at__isnull=True),
                name="verification_auto_resend_due",
            ),
        ]

    # Every verification of the same filing, as the engine locked them for a verify
    # (`verification.actions`); set only there.
    siblings: list["Verification"]

    def __str__(self) -> str:
        roles = " + ".join(str(Role(role).label) for role in self.roles)
        return f"{roles} · {mask_mobile(self.mobile)}"

    @property
    def roles(self) -> list[str]:
        """The roles this mobile verifies for, leader first."""
        roles = []
        if self.is_leader:
            roles.append(Role.LEADER.value)
        if self.is_administrator:
            roles.append(Role.ADMINISTRATOR.value)
        return roles


class SmsMessage(models.Model):
    """Every text message the system sends. With the database backend this table is
    also every phone's inbox."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SmsKind.choices)
    sender = models.CharField(_("sender"), max_length=20)
    recipient = models.CharField(_("recipient"), max_length=11)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    error = models.TextField(_("last error"), blank=True)
    failure = models.CharField(
        _("why it was not delivered"),
        max_length=16,
        choices=DeliveryFailure.choices,
        blank=True,
        db_default="",
        help_text=_("Of the last attempt, when it failed."),
    )
    report = models.CharField(
        _("delivery report"),
        max_length=12,
        choices=DeliveryReport.choices,
        blank=True,
        db_default="",
        help_text=_("Empty when the gateway sends no delivery reports."),
    )
    report_code = models.CharField(
        _("carrier's report code"), max_length=32, blank=True, db_default=""
    )
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    report_reason = models.CharField(
        _("what the report means"),
        max_length=16,
        choices=ReportReason.choices,
        blank=True,
        db_default="",
    )
    report_pulls = models.PositiveSmallIntegerField(
        _("times the gateway was asked for its report"), default=0, db_default=0
    )
    report_pulled_at = models.DateTimeField(
        _("gateway last asked for its report"), null=True, blank=True
    )
    copies = models.PositiveSmallIntegerField(
        _("copies delivered"),
        default=1,
        db_default=1,
        help_text=_("More than one when the carrier delivered the text twice."),
    )
    attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    attempted_at = models.DateTimeField(_("last send attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    backend = models.CharField(_("backend"), max_length=100, blank=True)
    gateway_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    filing = models.ForeignKey(
        "filings.FilingApplication",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
        verbose_name=_("filing"),
    )
    verification = models.ForeignKey(
        Verification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
        verbose_name=_("verification"),
    )

    objects = ProviderScopedManager["SmsMessage"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        indexes = [
            models.Index(fields=["recipient", "id"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["report", "sent_at"]),
            models.Index(fields=["gateway_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {mask_mobile(self.recipient)}"


class DeliveryReceipt(models.Model):
    """One delivery receipt from a real gateway, as it came: pushed to our receipt
    address or pulled from the gateway's API. Kept once (`fingerprint`): a vendor
    pushes again when it is unsure we took it, and a pull may repeat a push. The text
    it reports on takes it when it is the newest report (`verification.receipts`)."""

    scoped_by = "message__filing__provider_id"

    vendor = models.CharField(_("gateway"), max_length=16)
    gateway_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    message = models.ForeignKey(
        SmsMessage,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name=_("text message"),
    )
    delivered = models.BooleanField(_("delivered"))
    code = models.CharField(_("carrier's report code"), max_length=32, blank=True)
    reason = models.CharField(
        _("what it means"), max_length=16, choices=ReportReason.choices
    )
    description = models.CharField(_("gateway's words"), max_length=200, blank=True)
    reported_at = models.DateTimeField(_("reported"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    source = models.CharField(
        _("how it came"), max_length=8, choices=ReceiptSource.choices
    )
    # The gateway reported before our worker had written down that it took the text.
    before_send = models.BooleanField(_("came before the send was recorded"))
    # False when a newer report had already come for the text.
    applied = models.BooleanField(_("is the text's report"))
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)

    objects = ProviderScopedManager["DeliveryReceipt"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        indexes = [models.Index(fields=["vendor", "gateway_id"])]

    def __str__(self) -> str:
        return f"{self.vendor} {self.code or self.get_reason_display()}"


class AttemptAction(models.TextChoices):
    VERIFY = "verify", _("Verify")
    RESEND = "resend", _("Resend")


class WrongPart(models.TextChoices):
    """Which part of a refused entry was wrong: for staff, never for the applicant."""

    CODE = "code", _("the code")
    OLD_CODE = "old_code", _("a code replaced by a resend")
    CERTIFICATE = "certificate", _("the certificate digits")
    CODE_AND_CERTIFICATE = "code_and_certificate", _("the code and the digits")
    PICTURE = "picture", _("the characters in the picture")


class AttemptReason(models.TextChoices):
    """Why a verify or resend ended as it did: what the attempt records, for staff.
    The applicant reads only the MIIT status; this says which rule gave it."""

    VERIFIED = "verified", _("verified")
    WRONG_CODE_OR_CERTIFICATE = (
        "wrong_code_or_certificate",
        _("wrong code or certificate digits, counted"),
    )
    WRONG_CERTIFICATE = "wrong_certificate", _("wrong certificate digits")
    FAILURE_LIMIT = "failure_limit", _("the failure limit reached")
    CODE_NOT_FOUND = "code_not_found", _("code not found, not counted")
    INVALID_MOBILE = "invalid_mobile", _("not a mobile number")
    EXPIRED = "expired", _("after the deadline")
    NO_VERIFICATION = "no_verification", _("nothing to verify")
    ALREADY_FAILED = "already_failed", _("after the verification failed")
    ALREADY_EXPIRED = "already_expired", _("after the verification expired")
    CANCELLED = "cancelled", _("a closed verification")
    ALREADY_VERIFIED = "already_verified", _("the code again after verifying")
    WRONG_AFTER_VERIFIED = "wrong_after_verified", _("wrong details after verifying")
    RESENT = "resent", _("new code sent")
    RESEND_CAP = "resend_cap", _("the resend cap reached")
    NOTHING_PENDING = "nothing_pending", _("nothing pending")
    WRONG_PICTURE = "wrong_picture", _("wrong picture characters")
    THROTTLED_MOBILE = "throttled_mobile", _("held back: too many tries for the mobile")
    THROTTLED_IP = "throttled_ip", _("held back: too many tries from the address")

    @classmethod
    def throttled(cls, scope: str) -> "AttemptReason":
        """The reason for a request held back by the limit of `scope` (mobile, ip)."""
        return {"mobile": cls.THROTTLED_MOBILE, "ip": cls.THROTTLED_IP}[scope]

    @classmethod
    def after(cls, status: str) -> "AttemptReason":
        """The reason for an entry on a verification already closed as `status`."""
        return {"failed": cls.ALREADY_FAILED, "expired": cls.ALREADY_EXPIRED}[status]


# Wrong entries that count toward the failure limit.
COUNTED_WRONG = frozenset(
    {
        AttemptReason.WRONG_CODE_OR_CERTIFICATE,
        AttemptReason.WRONG_CERTIFICATE,
        AttemptReason.FAILURE_LIMIT,
    }
)
THROTTLED = frozenset({AttemptReason.THROTTLED_MOBILE, AttemptReason.THROTTLED_IP})


# The longest one-time form token kept; a longer one is not taken as a token.
SUBMISSION_TOKEN_LENGTH = 32


class Attempt(models.Model):
    """One submission of the verify or resend form. Never holds the code or the
    certificate digits that were typed."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "verification__filing__provider_id"

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=8, choices=AttemptAction.choices)
    channel = models.CharField(_("channel"), max_length=16)
    mobile = models.CharField(
        _("mobile"),
        max_length=11,
        blank=True,
        help_text=_("Normalised; empty when what was typed is not a mobile number."),
    )
    verification = models.ForeignKey(
        Verification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attempts",
        verbose_name=_("matched verification"),
    )
    status = models.SmallIntegerField(
        _("status code"), null=True, blank=True, help_text=_("Empty when throttled.")
    )
    reason = models.CharField(_("reason"), max_length=64, choices=AttemptReason.choices)
    wrong_part = models.CharField(
        _("wrong part"),
        max_length=24,
        choices=WrongPart.choices,
        blank=True,
        db_default="",  # the code before this column inserts without it
    )
    consecutive_failures = models.PositiveSmallIntegerField(
        _("consecutive failures"),
        null=True,
        blank=True,
        help_text=_("The person's count after this attempt, when it was counted."),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=512, blank=True)
    submission = models.CharField(
        _("form token"),
        max_length=SUBMISSION_TOKEN_LENGTH,
        blank=True,
        db_default="",
        editable=False,
        help_text=_(
            "The one-time token of the form that was sent: a form is processed once."
        ),
    )

    objects = ProviderScopedManager["Attempt"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        indexes = [models.Index(fields=["mobile", "created_at"])]
        constraints = [
            # A form sent twice (a double click, a reloaded POST) is processed once:
            # the second processing cannot write its attempt and rolls back.
            models.UniqueConstraint(
                fields=["submission"],
                condition=~models.Q(submission=""),
                name="attempt_submission_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {mask_mobile(self.mobile)}"


class FunnelDay(models.Model):
    """The dashboard funnel's figures for one Beijing day of submissions, written once
    every person asked to verify that day has finished (none pending), after which
    they cannot change. One row per province, provider, policy, carrier and loss; a
    day with nobody is one row of zeros, so that it is not computed again.
    """

    day = models.DateField(_("day"))
    province = models.CharField(_("province"), max_length=2, blank=True)
    provider_id = models.IntegerField(_("provider"), default=0)
    policy = models.CharField(_("policy"), max_length=20, blank=True)
    carrier = models.CharField(_("carrier"), max_length=16, blank=True)
    loss = models.CharField(_("loss"), max_length=16, blank=True)
    sent = models.PositiveIntegerField(_("codes sent"), default=0)
    delivered = models.PositiveIntegerField(_("texts delivered"), default=0)
    attempted = models.PositiveIntegerField(_("first attempt"), default=0)
    verified = models.PositiveIntegerField(_("verified"), default=0)
    reviewed = models.PositiveIntegerField(_("under review"), default=0)

    class Meta:
        verbose_name = _("funnel day")
        verbose_name_plural = _("funnel days")
        constraints = [
            # two requests filling the same day cannot count it twice
            models.UniqueConstraint(
                fields=["day", "province", "provider_id", "policy", "carrier", "loss"],
                name="funnel_day_group_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.sent}"


class FunnelDuration(models.Model):
    """How many people of a kept day (`FunnelDay`) verified so many whole minutes
    after their filing was submitted: the funnel's median and 90th percentile."""

    day = models.DateField(_("day"))
    provider_id = models.IntegerField(_("provider"), default=0)
    minutes = models.PositiveIntegerField(_("minutes"))
    people = models.PositiveIntegerField(_("people"))

    class Meta:
        verbose_name = _("funnel duration")
        verbose_name_plural = _("funnel durations")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider_id", "minutes"],
                name="funnel_duration_once_per_provider",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.minutes} min × {self.people}"


class ContactCheckStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the contacts")
    CONFIRMED = "confirmed", _("Confirmed")
    MISSED = "missed", _("Missed: flagged for access removal")
    ACCESS_REMOVED = "access_removed", _("Access removed")


class ContactCheckCampaign(models.Model):
    """A check of contact details over many approved filings (专项核查), opened at
    once by a command or staff (`verification.contact_checks`)."""

    # Whose record it is, for a provider's staff (infra.scope): a campaign that
    # checks some of the provider's filings.
    scoped_by = staticmethod(
        lambda p: models.Q(
            models.Exists(
                ContactCheck._base_manager.filter(
                    campaign=models.OuterRef("pk"), filing__provider_id=p
                )
            )
        )
    )

    name = models.CharField(_("name"), max_length=100)
    province = models.ForeignKey(
        "filings.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    opened_at = models.DateTimeField(_("opened"))
    deadline = models.DateTimeField(_("correction deadline"))

    objects = ProviderScopedManager["ContactCheckCampaign"]()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("contact check campaign")
        verbose_name_plural = _("contact check campaigns")

    def __str__(self) -> str:
        return self.name


class ContactCheck(models.Model):
    """One approved filing's check of contact details: its contacts confirm their
    mobiles with a texted code before `deadline`; the status changes only in
    `verification.contact_checks`."""

    scoped_by = "filing__provider_id"

    filing = models.ForeignKey(
        "filings.FilingApplication",
        on_delete=models.PROTECT,
        related_name="contact_checks",
        verbose_name=_("filing"),
    )
    campaign = models.ForeignKey(
        ContactCheckCampaign,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("campaign"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContactCheckStatus.choices,
        default=ContactCheckStatus.OPEN,
    )
    opened_at = models.DateTimeField(_("opened"))
    deadline = models.DateTimeField(_("correction deadline"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = ProviderScopedManager["ContactCheck"]()

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("contact check")
        verbose_name_plural = _("contact checks")
        constraints = [
            # one open check per filing at a time
            models.UniqueConstraint(
                fields=["filing"],
                condition=models.Q(status="open"),
                name="contact_check_one_open",
            )
        ]
        indexes = [
            # the sweep's overdue checks and the queue's missed ones
            models.Index(fields=["status", "deadline"], name="contact_check_due"),
        ]

    def __str__(self) -> str:
        return f"{self.filing} · {self.get_status_display()}"


class ContactCheckPerson(models.Model):
    """One contact of a check: a mobile to confirm, with its code (hashed, as the
    verifications keep theirs) and the person's certificate tails."""

    scoped_by = "contact_check__filing__provider_id"

    contact_check = models.ForeignKey(
        ContactCheck,
        on_delete=models.CASCADE,
        related_name="people",
        verbose_name=_("contact check"),
    )
    mobile = models.CharField(_("mobile"), max_length=11, db_index=True)
    roles = models.JSONField(_("roles"), default=list)
    certificate_hashes = models.TextField(_("certificate hashes"))
    code_hash = models.CharField(_("code hash"), max_length=64)
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    objects = ProviderScopedManager["ContactCheckPerson"]()

    class Meta:
        ordering = ["id"]
        verbose_name = _("contact to confirm")
        verbose_name_plural = _("contacts to confirm")

    def __str__(self) -> str:
        return mask_mobile(self.mobile)
