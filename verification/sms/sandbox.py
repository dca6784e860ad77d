"""The sandbox's gateway: where a test key's filings' texts go, whatever
`SMS_BACKEND` says. It is the outbox table (no real gateway ever texts the
sandbox), with delivery reports as the magic mobiles ask (`verification.sandbox`):
a text to the "never delivered" number is reported undelivered at once, one to the
"delivered late" number waits for the sweep to deliver it, the others are delivered
at once."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verification import receipts
from verification.models import DeliveryReport, ReportReason, SmsMessage
from verification.sms.database import DatabaseBackend

#: The magic mobiles whose texts the gateway treats otherwise.
NEVER_DELIVERED = "19900000002"
DELIVERED_LATE = "19900000003"


class SandboxGateway(DatabaseBackend):
    label = _("The sandbox's outbox")
    reports_delivery = True

    def send(self, message: SmsMessage) -> str:
        gateway_id = super().send(message) or f"SBX{message.pk:09d}"
        if message.recipient == DELIVERED_LATE:
            return gateway_id  # the sweep delivers it (verification.sandbox)
        lost = message.recipient == NEVER_DELIVERED
        with transaction.atomic():
            locked = receipts.lock_for_report(message.pk)
            if locked.report != DeliveryReport.AWAITING:
                return gateway_id
            receipts.settle(
                locked,
                report=DeliveryReport.UNDELIVERED if lost else DeliveryReport.DELIVERED,
                code="UNDELIV" if lost else "DELIVRD",
                reason=(ReportReason.UNDELIVERABLE if lost else ReportReason.DELIVERED),
                when=issued_at(locked),
            )
        return gateway_id


def issued_at(message: SmsMessage) -> datetime.datetime:
    """When the text's code was issued, on its filing's time (a test clock's, or
    the real one): the moment the sandbox's texts arrive from."""
    verification = message.verification
    if verification is not None and verification.code_issued_at is not None:
        return verification.code_issued_at
    return timezone.now()
