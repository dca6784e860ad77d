"""The training environment's records: how the training gateway behaves, the delivery
reports it still owes, the training scenarios handed to staff, and the demo's clock."""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.scope import ProviderScopedManager
from verification import messages


class Behaviour(models.TextChoices):
    NORMAL = "normal", _("delivered normally")
    DELAYED = "delayed", _("delivered late")
    LOST = "lost", _("a share is lost")
    DUPLICATED = "duplicated", _("delivered twice")
    DOWN = "down", _("the carrier is down")


class Carrier(models.TextChoices):
    """The networks a mobile is delivered on (`verification.messages.host_carrier`);
    empty for a rule that applies to every carrier."""

    EVERY = "", _("every carrier")
    CHINA_MOBILE = messages.CHINA_MOBILE, _("China Mobile")
    CHINA_UNICOM = messages.CHINA_UNICOM, _("China Unicom")
    CHINA_TELECOM = messages.CHINA_TELECOM, _("China Telecom")


class GatewayRule(models.Model):
    """How the training gateway treats the texts to one carrier's numbers (or to
    every carrier's, where no carrier has a rule of its own)."""

    carrier = models.CharField(
        _("carrier"), max_length=16, blank=True, unique=True, choices=Carrier.choices
    )
    behaviour = models.CharField(
        _("behaviour"),
        max_length=12,
        choices=Behaviour.choices,
        default=Behaviour.NORMAL,
    )
    delay_minutes = models.PositiveIntegerField(
        _("delay (minutes)"), default=10, help_text=_("For texts delivered late.")
    )
    lost_percent = models.PositiveSmallIntegerField(
        _("share lost (%)"), default=100, help_text=_("For texts lost.")
    )
    # Counts the texts under a "lost" rule, so that exactly the share is lost.
    texts_seen = models.PositiveIntegerField(_("texts seen"), default=0, editable=False)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["carrier"]
        verbose_name = _("training gateway rule")
        verbose_name_plural = _("training gateway rules")

    def __str__(self):
        return f"{self.get_carrier_display()}: {self.get_behaviour_display()}"


class PlannedReport(models.Model):
    """A delivery report the training gateway will send when it is due (a text
    delivered late)."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "message__filing__provider_id"

    message = models.OneToOneField(
        "verification.SmsMessage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("text message"),
    )
    due_at = models.DateTimeField(_("due"), db_index=True)
    delivered = models.BooleanField(_("delivered"), default=True)
    code = models.CharField(_("report code"), max_length=16)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)

    objects = ProviderScopedManager["PlannedReport"]()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("planned delivery report")
        verbose_name_plural = _("planned delivery reports")

    def __str__(self):
        return f"{self.code} @ {self.due_at:%Y-%m-%d %H:%M}"


class TrainingRun(models.Model):
    """One training scenario built for a trainee: its filing, the question they
    answer and the handling their work on the filing is checked against."""

    # Whose record it is, for a provider's staff (infra.scope).
    scoped_by = "filing__provider_id"

    scenario = models.CharField(_("scenario"), max_length=32)
    filing = models.OneToOneField(
        "filings.FilingApplication",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("filing"),
    )
    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_runs",
        verbose_name=_("trainee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    answer_shown_at = models.DateTimeField(
        _("answer shown"), null=True, blank=True, editable=False
    )
    # What the scenario's texts name that the filing does not keep (a new mobile
    # the customer gave, the province whose page they used); never shown as is.
    details = models.JSONField(_("details"), default=dict, editable=False)

    objects = ProviderScopedManager["TrainingRun"]()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        permissions = [
            (
                "train_staff",
                _(
                    "Hand out training scenarios, see every trainee's results and "
                    "set the training gateway"
                ),
            )
        ]

    def __str__(self):
        return f"{self.scenario} · {self.trainee}"


class DemoClock(models.Model):
    """The demo's clock, one row: how far supervisors' time travel moved the demo
    ahead of the real time. Every request in demo mode reads it (`demo.timetravel`)."""

    ONLY = 1

    ahead = models.DurationField(
        _("ahead of the real time"), default=datetime.timedelta
    )
    left_real_time_at = models.DateTimeField(
        _("left the real time"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("demo clock")
        verbose_name_plural = _("demo clocks")

    def __str__(self):
        return str(_("demo clock"))
