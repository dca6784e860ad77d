import sys
from typing import TextIO

from django.utils.translation import gettext_lazy as _

from verification.models import SmsMessage
from verification.sms.base import BaseSmsBackend


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to standard output (development)."""

    label = _("Server log (console)")

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, message: SmsMessage) -> str:
        self.stream.write(
            f"SMS from {message.sender} to {message.recipient}: {message.text}\n"
        )
        self.stream.flush()
        return ""
