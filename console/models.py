"""The support team's case work on filings: who owns a filing, the internal notes,
the follow-ups and the macros supervisors define.

Rows are written only by the functions in `console.casework`, which lock the filing,
check the move and write the audit event in one transaction. None of this is ever
shown to applicants or providers.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from filings.models import AppendOnlyModel, FilingApplication, FilingStatus, Provider
from infra.scope import ProviderScopedManager

# A follow-up is open while its filing is in one of these: the people have still to
# verify, or the administration has still to decide. It is done when the agent marks
# it or when the filing leaves them (returned, cancelled, approved, rejected).
WAITING_STATUSES = (FilingStatus.PENDING_VERIFICATION, FilingStatus.UNDER_REVIEW)
# The permission to work cases (claim, note, follow up, run macros, ask a supervisor).
WORK_CASES = "console.work_cases"


class Case(models.Model):
    """A filing as the support team works it: who has it now."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    filing = models.OneToOneField(
        FilingApplication,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="case",
        verbose_name=_("filing"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True)

    objects = ProviderScopedManager["Case"]()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            (
                "work_cases",
                "Can claim filings, write notes, set follow-ups, run macros",
            ),
            ("assign_cases", "Can assign filings to agents and release anyone's"),
        ]

    def __str__(self):
        return str(self.filing)


class Note(AppendOnlyModel):
    """An internal note on a filing. Rows are only ever added."""

    scoped_by = "filing__provider_id"

    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.PROTECT,
        related_name="notes",
        verbose_name=_("filing"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    text = models.TextField(_("note"), max_length=2000)
    macro = models.ForeignKey(
        "Macro",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by the macro"),
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        indexes = [models.Index(fields=["filing", "created_at"], name="note_filing")]

    def __str__(self):
        return self.text[:60]


class FollowUp(models.Model):
    """ "Call back at": a time an agent means to come back to a filing."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("filing"),
    )
    due_at = models.DateTimeField(_("due"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("set"), auto_now_add=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )

    objects = ProviderScopedManager["FollowUp"]()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(done_at__isnull=True),
                name="follow_up_open_due",
            )
        ]

    def __str__(self):
        return self.note[:60] or str(self.filing)


class MacroAction(models.TextChoices):
    """The overrides a macro may run, by their console names."""

    RESEND_CODE = "resend_code", _("Resend a code to everyone pending")
    EXTEND_DEADLINE = "extend_deadline", _("Extend the deadline")
    MARK_VERIFIED = "mark_verified", _("Mark everyone pending verified")
    RETURN_TO_PROVIDER = "return_to_provider", _("Return to the provider")
    CANCEL = "cancel", _("Cancel")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class Macro(models.Model):
    """A named one-click bundle: overrides in order, a reason and a note written from
    templates, and an optional follow-up."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(lambda p: Q(provider_id=p) | Q(provider__isnull=True))

    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access provider"),
        help_text=_("Empty: shared by every support team."),
    )

    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    reason_template = models.CharField(
        _("reason"),
        max_length=500,
        help_text=_(
            "Recorded as each override's reason. May use {reference}, {provider}, "
            "{agent} and {deadline}."
        ),
    )
    note_template = models.TextField(
        _("note"),
        max_length=2000,
        blank=True,
        help_text=_(
            "An internal note added after the overrides; the same placeholders. "
            "Leave empty for none."
        ),
    )
    follow_up_hours = models.PositiveSmallIntegerField(
        _("follow up after (hours)"),
        null=True,
        blank=True,
        help_text=_("Sets a follow-up this many hours later. Leave empty for none."),
    )
    is_active = models.BooleanField(
        _("offered"),
        default=True,
        help_text=_("Only offered macros appear on the filing page and the queue."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProviderScopedManager["Macro"]()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("macro")
        verbose_name_plural = _("macros")

    def __str__(self):
        return self.local_name

    @property
    def local_name(self):
        """The name in the active language."""
        language = translation.get_language() or ""
        return self.name_en if language.startswith("en") else self.name_zh


class MacroStep(models.Model):
    """One override of a macro."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(
        lambda p: Q(macro__provider_id=p) | Q(macro__provider__isnull=True)
    )
    macro = models.ForeignKey(
        Macro, on_delete=models.CASCADE, related_name="steps", verbose_name=_("macro")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    action = models.CharField(_("override"), max_length=32, choices=MacroAction.choices)
    hours = models.PositiveSmallIntegerField(
        _("hours"),
        null=True,
        blank=True,
        help_text=_("For “Extend the deadline”: by how many hours (1 to 336)."),
    )

    objects = ProviderScopedManager["MacroStep"]()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self):
        return self.get_action_display()


class Presence(models.Model):
    """Who has a filing's page open: one row per person and filing, its time renewed
    by the page's heartbeat (`console.presence`). A row older than a few heartbeats
    means the person has gone; rows are overwritten, never piled up."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("filing"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
    )
    seen_at = models.DateTimeField(_("last seen"))

    objects = ProviderScopedManager["Presence"]()

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        constraints = [
            models.UniqueConstraint(
                fields=["filing", "user"], name="presence_one_per_person"
            )
        ]
        indexes = [models.Index(fields=["filing", "seen_at"], name="presence_fresh")]

    def __str__(self):
        return f"{self.user} · {self.filing_id}"


class EscalationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a supervisor")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class Escalation(models.Model):
    """An agent's request that a supervisor run an override the agent's role lacks.
    Written and answered only by `console.escalations`."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("filing"),
    )
    action = models.CharField(_("override"), max_length=32, choices=MacroAction.choices)
    verification = models.ForeignKey(
        "verification.Verification",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    hours = models.PositiveSmallIntegerField(_("hours"), null=True, blank=True)
    # For a rejection: the catalogued reason (filings.review_outcomes).
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=40, blank=True
    )
    reason = models.TextField(_("why"), max_length=1000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EscalationStatus.choices,
        default=EscalationStatus.PENDING,
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.TextField(_("why declined"), max_length=1000, blank=True)

    objects = ProviderScopedManager["Escalation"]()

    class Meta:
        ordering = ["-asked_at", "-id"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        permissions = [
            (
                "answer_escalations",
                "Can approve or decline agents' requests for overrides",
            )
        ]
        indexes = [
            models.Index(
                fields=["asked_at"],
                condition=models.Q(status="pending"),
                name="escalation_waiting",
            ),
            models.Index(fields=["asked_by", "asked_at"], name="escalation_asker"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} · {self.filing}"


class ScriptKey(models.TextChoices):
    """What an answer script is for: the three things a filing page knows."""

    SITUATION = "situation", _("A situation (what to do now)")
    QUEUE_REASON = "queue_reason", _("A work queue reason")
    MIIT_STATUS = "miit_status", _("A MIIT status code")


class AnswerScript(models.Model):
    """Words an agent reads to a customer (答复口径), in Chinese and English, for one
    situation, queue reason or MIIT status code. Every edit is a new version
    (`AnswerScriptVersion`), written by `console.scripts.save_script`."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(lambda p: Q(provider_id=p) | Q(provider__isnull=True))

    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access provider"),
        help_text=_("Empty: shared by every support team."),
    )

    key_kind = models.CharField(_("for"), max_length=16, choices=ScriptKey.choices)
    key = models.CharField(
        _("which"),
        max_length=40,
        help_text=_(
            "The situation's name, the queue reason's name or the MIIT status code."
        ),
    )
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    text_zh = models.TextField(_("answer (Chinese)"), max_length=2000)
    text_en = models.TextField(_("answer (English)"), max_length=2000)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    is_active = models.BooleanField(
        _("offered"),
        default=True,
        help_text=_("Only offered answers appear on the filing page."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProviderScopedManager["AnswerScript"]()

    class Meta:
        ordering = ["key_kind", "key", "id"]
        verbose_name = _("answer script")
        verbose_name_plural = _("answer scripts")
        indexes = [models.Index(fields=["key_kind", "key"], name="script_key")]

    def __str__(self):
        return self.local_title

    @property
    def local_title(self):
        """The title in the active language."""
        language = translation.get_language() or ""
        return self.title_en if language.startswith("en") else self.title_zh

    @property
    def local_text(self):
        """The answer in the active language."""
        language = translation.get_language() or ""
        return self.text_en if language.startswith("en") else self.text_zh


class AnswerScriptVersion(AppendOnlyModel):
    """One version of an answer script, as it was written. Rows are only ever added."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = staticmethod(
        lambda p: Q(script__provider_id=p) | Q(script__provider__isnull=True)
    )

    script = models.ForeignKey(
        AnswerScript,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("answer script"),
    )
    version = models.PositiveIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120)
    text_zh = models.TextField(_("answer (Chinese)"))
    text_en = models.TextField(_("answer (English)"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written"), auto_now_add=True)

    def __str__(self):
        return _("Version %(n)d") % {"n": self.version}

    class Meta:
        ordering = ["script", "-version"]
        verbose_name = _("answer script version")
        verbose_name_plural = _("answer script versions")
        constraints = [
            models.UniqueConstraint(
                fields=["script", "version"], name="script_version_once"
            )
        ]


class AnswerScriptUse(AppendOnlyModel):
    """An agent copied an answer script on a filing's page. Rows are only ever added."""

    scoped_by = "filing__provider_id"

    script = models.ForeignKey(
        AnswerScript,
        on_delete=models.PROTECT,
        related_name="uses",
        verbose_name=_("answer script"),
    )
    version = models.PositiveIntegerField(_("version"))
    filing = models.ForeignKey(
        FilingApplication,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filing"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("staff member"),
    )
    used_at = models.DateTimeField(_("used"), auto_now_add=True)

    class Meta:
        verbose_name = _("answer script use")
        verbose_name_plural = _("answer script uses")
        indexes = [models.Index(fields=["user", "used_at"], name="script_use_user")]


class StaffMembership(models.Model):
    """Whom a staff login belongs to: the administration (no provider) or one access
    provider's support team. Written by `console.staff.create_staff`."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "provider_id"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="membership",
        verbose_name=_("staff member"),
    )
    provider = models.ForeignKey(
        "filings.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access provider"),
        help_text=_("Empty for the administration's own staff."),
    )
    must_change_password = models.BooleanField(
        _("must change the password at the next login"), default=False
    )

    objects = ProviderScopedManager["StaffMembership"]()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        permissions = [("manage_staff", _("Can manage the staff of their team"))]

    def __str__(self):
        return str(self.user)


class StaffEventKind(models.TextChoices):
    CREATED = "created", _("Login created")
    PASSWORD_RESET = "password_reset", _("One-time password given")
    DEACTIVATED = "deactivated", _("Login switched off")
    REACTIVATED = "reactivated", _("Login switched on again")
    ENROLLED = "enrolled", _("Second factor set up")
    RESET = "second_factor_reset", _("Second factor reset")
    CODE_REFUSED = "code_refused", _("Wrong second-factor code")
    RECOVERY_USED = "recovery_used", _("Logged in with a recovery code")


class StaffEvent(AppendOnlyModel):
    """Something that happened to a staff login besides its password logins (which
    django-axes keeps): made, switched off or on, given a one-time password, its
    second factor set up, reset or refused. Rows are only ever added."""

    # A provider's supervisors read their own team's (infra.scope).
    scoped_by = "provider_id"

    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("staff member"),
    )
    provider = models.ForeignKey(
        "filings.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("access provider"),
    )
    kind = models.CharField(_("what"), max_length=24, choices=StaffEventKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff event")
        verbose_name_plural = _("staff events")
        indexes = [
            models.Index(
                fields=["staff_member", "-created_at"], name="staff_event_member"
            )
        ]

    def __str__(self):
        return f"{self.staff_member} · {self.get_kind_display()}"
