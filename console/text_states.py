"""Where a text message is, in the words staff read: waiting, with the gateway, on
the phone (by the carrier's delivery report), or not delivered."""

import datetime

from django.utils.translation import gettext as _

from infra import times
from infra.times import duration_text
from verification.models import DeliveryReport, SmsStatus
from verification.sms.base import report_meaning

beijing = times.beijing_text


def text_state(message):
    """Where a text is: queued, with the gateway, on the phone (by its delivery report
    when the gateway sends reports), or not delivered."""
    if message.status == SmsStatus.SENT and message.report:
        return report_text(message)
    return {
        SmsStatus.QUEUED: _("waiting to be sent"),
        SmsStatus.SENDING: _("being sent"),
        SmsStatus.SENT: _("delivered"),
        SmsStatus.FAILED: _("not delivered"),
    }.get(message.status, message.get_status_display())


def report_text(message):
    """A text's delivery report as the carrier gave it, in words; "" without one."""
    if message.report == DeliveryReport.AWAITING:
        return _("taken by the gateway; no delivery report yet")
    if message.report == DeliveryReport.UNKNOWN:
        return _(
            "taken by the gateway, but no delivery report came (asked %(times)d "
            "times): whether it reached the phone is unknown"
        ) % {"times": message.report_pulls}
    if not message.report or message.reported_at is None:
        return ""
    parts = {
        "when": beijing(message.reported_at),
        "code": message.report_code,
        "why": report_meaning(message.report_code, message.report_reason),
    }
    if message.report == DeliveryReport.UNDELIVERED:
        return (
            _(
                "taken by the gateway, but not delivered to the phone: %(why)s "
                "(the carrier's report at %(when)s: %(code)s)"
            )
            % parts
        )
    taken = message.sent_at or message.attempted_at or message.created_at
    late = message.reported_at - taken
    if late >= datetime.timedelta(minutes=1):
        parts["late"] = duration_text(late)
        sentence = (
            _("delivered to the phone at %(when)s, %(late)s after the gateway took it")
            % parts
        )
    else:
        sentence = _("delivered to the phone at %(when)s") % parts
    if message.copies > 1:
        sentence = _(
            "%(sentence)s, %(copies)d times (the carrier delivered it again)"
        ) % {"sentence": sentence, "copies": message.copies}
    return sentence


def text_undelivered(message):
    """Whether a text is known not to have reached the phone, or not known to have."""
    return message.status == SmsStatus.FAILED or (
        message.report in (DeliveryReport.UNDELIVERED, DeliveryReport.UNKNOWN)
    )
