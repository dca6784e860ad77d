"""The simulated communications administration decides the filings under review."""

from typing import Any

from django.conf import settings
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)
from django.utils import timezone

from verification.administration import process_reviews
from verification.management.commands.process_deadlines import count, parse_now


class Command(BaseCommand):
    help = (
        "The simulated communications administration decides the filings under "
        "review that have waited SIMULATED_REVIEW_WORKING_DAYS working days (or "
        "SIMULATED_REVIEW_MINUTES minutes): most approved, some rejected for a "
        "catalogued reason. The deadline sweep runs it too. Only with "
        "SIMULATED_ADMINISTRATION on (the demo and the sandbox)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            type=parse_now,
            help="Decide as if it were this time (ISO 8601; Beijing time without "
            "an offset).",
        )
        parser.add_argument(
            "--limit",
            type=count(100_000),
            default=1000,
            help="Decide at most this many filings, oldest first (default "
            "%(default)s).",
        )

    @no_translations  # operator output and logs are in English
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SIMULATED_ADMINISTRATION:
            raise CommandError(
                "The simulated administration is off: set SIMULATED_ADMINISTRATION="
                "true (the demo and the sandbox have it on). In production, staff "
                "decide reviews."
            )
        now = options["now"] or timezone.now()
        report = process_reviews(now, limit=options["limit"])
        self.stdout.write(
            f"{timezone.localtime(now).isoformat(timespec='seconds')}: "
            f"{report.approved} approved, {report.rejected} rejected"
            + (f", {report.skipped} moved on meanwhile" if report.skipped else "")
            + "."
        )
