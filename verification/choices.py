"""The verification engine's vocabularies for text messages: their kinds, where
they are, why one was not delivered and what a carrier's report means (re-exported
by `verification.models`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SmsKind(models.TextChoices):
    VERIFICATION_CODE = "verification_code", _("Verification code")
    NOTIFICATION = "notification", _("Notification")
    CONTACT_CHECK_CODE = "contact_check_code", _("Contact check code")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryFailure(models.TextChoices):
    """Why a gateway did not take a text, in words for staff. The gateway's own code
    and message stay in `SmsMessage.error`, to quote to the vendor."""

    THROTTLED = "throttled", _("the gateway's sending limit was reached")
    INVALID_NUMBER = "invalid_number", _("the gateway does not take this number")
    REFUSED = "refused", _("the gateway refused our account, signature or template")
    TIMEOUT = "timeout", _("the gateway did not answer in time")
    UNREACHABLE = "unreachable", _("the gateway could not be reached")
    GATEWAY_FAULT = "gateway_fault", _("the gateway had a fault of its own")
    CARRIER_DOWN = "carrier_down", _("the carrier's network was down")


class DeliveryReport(models.TextChoices):
    """What the carrier reported about a text the gateway took: whether it reached
    the phone. Empty for a backend that sends no delivery reports."""

    AWAITING = "awaiting", _("no delivery report yet")
    DELIVERED = "delivered", _("delivered to the phone")
    UNDELIVERED = "undelivered", _("not delivered to the phone")
    UNKNOWN = "unknown", _("no delivery report came")


class ReportReason(models.TextChoices):
    """What a carrier's delivery report means, in words for staff: each vendor's
    codes map onto these (`verification.sms.base.reason_for`)."""

    DELIVERED = "delivered", _("the phone received it")
    UNDELIVERABLE = "undeliverable", _("the carrier could not deliver it to the phone")
    NO_SUCH_NUMBER = "no_such_number", _("the number does not exist")
    OUT_OF_SERVICE = "out_of_service", _("the number is suspended or out of service")
    POWERED_OFF = (
        "powered_off",
        _("the phone stayed off or out of reach until the carrier gave up"),
    )
    BLOCKED = (
        "blocked",
        _("the number is on a blocklist (it unsubscribed, or complained)"),
    )
    SPAM_FILTER = "spam_filter", _("the carrier's spam filter stopped it")
    PHONE_FAULT = (
        "phone_fault",
        _("the phone could not take it (storage full, or a fault)"),
    )
    LIMIT = "limit", _("the carrier's limit of texts to this number was reached")
    CARRIER_REFUSED = "carrier_refused", _("the carrier refused it")
    CARRIER_FAULT = "carrier_fault", _("a fault in the carrier's network")
    OTHER = "other", _("the carrier gave a reason of its own (see its code)")


class ReceiptSource(models.TextChoices):
    PUSH = "push", _("pushed by the gateway")
    PULL = "pull", _("asked of the gateway")
