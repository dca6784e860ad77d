"""The provider API's records: the providers' keys, the answers kept for
idempotent submissions, and the webhook endpoints with their deliveries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.scope import ProviderScopedManager


class ApiKey(models.Model):
    """One access provider's key to the API. Only a hash of the key is kept: it is
    shown once, when it is made."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "provider_id"

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
    # A test key's filings are the sandbox's (`FilingApplication.livemode`).
    livemode = models.BooleanField(
        _("live, not the sandbox"),
        default=True,
        db_default=True,
        editable=False,
        help_text=_(
            "A test key's filings are the sandbox's: never texted, never queued."
        ),
    )

    objects = ProviderScopedManager["ApiKey"]()

    class Meta:
        # The tables keep the names they had when these models lived in the API
        # door: moving the models to this app renamed nothing in the database.
        db_table = "api_apikey"
        ordering = ["provider", "name"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        shown = f"{self.provider.local_name} · {self.name}"
        return f"{shown} ({self.prefix}…)" if self.prefix else shown


class IdempotentAnswer(models.Model):
    """The first answer to a submission sent with an `Idempotency-Key`: the same key
    and body get it again; the same key with another body is refused."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "api_key__provider_id"

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    # The answer as JSON text: an echoed field may hold characters (NUL) that a
    # PostgreSQL jsonb value refuses, where its escaped text form is fine.
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProviderScopedManager["IdempotentAnswer"]()

    class Meta:
        db_table = "api_idempotentanswer"
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"], name="idempotency_key_once"
            )
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return f"{self.idempotency_key} → {self.status}"


class EndpointDisabled(models.TextChoices):
    """Why a webhook endpoint no longer receives events."""

    GONE = "gone", _("its server answered 410 Gone")
    FAILING = "failing", _("its deliveries failed for days")
    BY_PROVIDER = "provider", _("disabled by the provider")
    BY_STAFF = "staff", _("disabled by staff")


class WebhookEndpoint(models.Model):
    """An HTTPS address of a provider's system that is sent its filings' events,
    signed with the endpoint's secret (Standard Webhooks)."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "provider_id"

    provider = models.ForeignKey(
        "filings.Provider",
        on_delete=models.PROTECT,
        related_name="webhook_endpoints",
        verbose_name=_("access provider"),
    )
    # Made with a test key: sent the sandbox's events only, and a live one the live.
    livemode = models.BooleanField(
        _("live, not the sandbox"), default=True, db_default=True, editable=False
    )
    url = models.URLField(_("address"), max_length=2000)
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("The events sent to it; none listed means every event."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=64, editable=False)
    previous_secret = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(
        _("old secret signs until"), null=True, blank=True, editable=False
    )
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
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created with the API key"),
    )
    failing_since = models.DateTimeField(
        _("failing since"), null=True, blank=True, editable=False
    )
    disabled_at = models.DateTimeField(
        _("disabled"), null=True, blank=True, editable=False
    )
    disabled_reason = models.CharField(
        _("why disabled"),
        max_length=16,
        choices=EndpointDisabled.choices,
        blank=True,
        editable=False,
    )

    objects = ProviderScopedManager["WebhookEndpoint"]()

    class Meta:
        db_table = "api_webhookendpoint"
        ordering = ["provider", "id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return f"{self.provider.local_name} · {self.url}"

    @property
    def enabled(self):
        return self.disabled_at is None

    def wants(self, event_type):
        """Whether this endpoint is sent events of `event_type`."""
        return not self.events or event_type in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting for its next attempt")
    SENDING = "sending", _("being sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("given up after every attempt")
    CANCELLED = "cancelled", _("not sent: the endpoint was disabled")


class WebhookDelivery(models.Model):
    """One provider event on its way to one endpoint: sent once, retried on the
    schedule until the endpoint answers 2xx."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "endpoint__provider_id"

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.ForeignKey(
        "filings.ProviderEvent",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("event"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    objects = ProviderScopedManager["WebhookDelivery"]()

    class Meta:
        db_table = "api_webhookdelivery"
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            # the sweep: deliveries due, and those whose worker stopped mid-send
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="webhook_delivery_open",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what the endpoint answered, and how fast."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "delivery__endpoint__provider_id"

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        related_name="attempt_log",
        verbose_name=_("delivery"),
    )
    started_at = models.DateTimeField(_("sent"))
    latency_ms = models.PositiveIntegerField(_("time taken (ms)"))
    status_code = models.PositiveSmallIntegerField(
        _("answer status"), null=True, blank=True
    )
    error = models.CharField(_("error"), max_length=300, blank=True)
    excerpt = models.CharField(_("answer begins"), max_length=500, blank=True)
    sent_again = models.BooleanField(_("sent again on request"), default=False)
    sent_again_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent again by"),
    )

    objects = ProviderScopedManager["WebhookAttempt"]()

    class Meta:
        db_table = "api_webhookattempt"
        ordering = ["-started_at", "-id"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self):
        return f"{self.delivery} · {self.status_code or self.error}"

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300
