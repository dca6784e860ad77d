"""Verification records: one per distinct mobile that must verify a filing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from filings.models import Role


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

    filing = models.ForeignKey(
        "filings.FilingApplication",
        on_delete=models.PROTECT,
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
    resends = models.PositiveSmallIntegerField(_("resends"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    verified_at = models.DateTimeField(
        _("verified"), null=True, blank=True, editable=False
    )

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
        ]
        indexes = [models.Index(fields=["mobile", "status"])]

    def __str__(self):
        return f"{self.mobile} ({', '.join(self.roles)})"

    @property
    def roles(self):
        """The roles this mobile verifies for, leader first."""
        roles = []
        if self.is_leader:
            roles.append(Role.LEADER.value)
        if self.is_administrator:
            roles.append(Role.ADMINISTRATOR.value)
        return roles
