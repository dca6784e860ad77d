from django.utils.translation import gettext_lazy as _

from verification.models import SmsMessage
from verification.sms.base import BaseSmsBackend


class DatabaseBackend(BaseSmsBackend):
    """The message table is the outbox and every phone's inbox: sending is recording.

    The default backend, used by the demo's simulated phone.
    """

    label = _("Demo phone (database outbox)")

    is_outbox = True

    def send(self, message: SmsMessage) -> str:
        return ""
