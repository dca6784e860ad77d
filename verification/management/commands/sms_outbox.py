"""List the database SMS outbox (every simulated phone's inbox)."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)
from django.utils import timezone

from filings.validators import normalize_mobile
from verification.models import SmsMessage


class Command(BaseCommand):
    help = "List text messages, oldest first (the database backend's outbox)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", metavar="MOBILE", help="Only messages to this mobile."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    @no_translations  # operator output and logs are in English
    def handle(self, *args: Any, **options: Any) -> None:
        messages = SmsMessage.objects.order_by("id")
        if options["to"]:
            try:
                mobile = normalize_mobile(options["to"])
            except ValidationError as exc:
                raise CommandError(
                    f"--to {options['to']!r}: {' '.join(exc.messages)}"
                ) from exc
            messages = messages.filter(recipient=mobile)
        items = [
            {
                "kind": message.kind,
                "sender": message.sender,
                "recipient": message.recipient,
                "text": message.text,
                "status": message.status,
                "created_at": timezone.localtime(message.created_at).isoformat(
                    timespec="seconds"
                ),
                "sent_at": timezone.localtime(message.sent_at).isoformat(
                    timespec="seconds"
                )
                if message.sent_at
                else None,
            }
            for message in messages.iterator()
        ]
        if options["json"]:
            self.stdout.write(json.dumps(items, ensure_ascii=False, indent=2))
            return
        if not items:
            self.stdout.write("The outbox is empty.")
        for item in items:
            when = item["sent_at"] or f"{item['created_at']} ({item['status']})"
            self.stdout.write(
                f"{when}  {item['sender']} -> {item['recipient']} [{item['kind']}]\n"
                f"    {item['text']}"
            )
