"""The provider API's records: the providers' keys, and the answers kept for
idempotent submissions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """One access provider's key to the API. Only a hash of the key is kept: it is
    shown once, when it is made."""

    provider = models.ForeignKey(
        "filings.Provider",
        on_delete=models.PROTECT,
        related_name="api_keys",
        verbose_name=_("access provider"),
    )
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("What the key is for, e.g. “ICP console”."),
    )
    prefix = models.CharField(
        _("key begins"),
        max_length=16,
        editable=False,
        help_text=_("The key's first characters, to tell keys apart."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    last_used_at = models.DateTimeField(
        _("last used"), null=True, blank=True, editable=False
    )
    revoked_at = models.DateTimeField(
        _("revoked"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.provider.code} · {self.name} ({self.prefix}…)"


class IdempotentAnswer(models.Model):
    """The first answer to a submission sent with an `Idempotency-Key`: the same key
    and body get it again; the same key with another body is refused."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    # The answer as JSON text: an echoed field may hold characters (NUL) that a
    # PostgreSQL jsonb value refuses, where its escaped text form is fine.
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"], name="idempotency_key_once"
            )
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.idempotency_key} → {self.status}"
