"""The support team's case work on filings: who owns a filing, the internal notes,
the follow-ups and the macros supervisors define.

Rows are written only by the functions in `console.casework`, which lock the filing,
check the move and write the audit event in one transaction. None of this is ever
shown to applicants or providers.
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from filings.models import AppendOnlyModel, FilingApplication, FilingStatus

# A follow-up is open while its filing is in one of these: the people have still to
# verify, or the administration has still to decide. It is done when the agent marks
# it or when the filing leaves them (returned, cancelled, approved, rejected).
WAITING_STATUSES = (FilingStatus.PENDING_VERIFICATION, FilingStatus.UNDER_REVIEW)


class Case(models.Model):
    """A filing as the support team works it: who has it now."""

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

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self):
        return self.get_action_display()
