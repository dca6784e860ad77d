"""Expire overdue verifications and send the automatic next-day resends."""

import argparse
import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import (
    BaseCommand,
    CommandParser,
    no_translations,
)
from django.utils import timezone

from infra.times import BEIJING
from verification.deadlines import process_deadlines

# The years --now may name: the records' times are all within them.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2200


def parse_now(value: str) -> datetime.datetime:
    """An ISO 8601 time; without an offset it is Beijing time. Refused (as argparse
    refuses a bad argument: one line, no traceback) unless it is one, within the
    years 2000 to 2200."""
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO 8601 time, e.g. 2026-11-23T12:00:00+08:00"
        ) from exc
    if not EARLIEST_YEAR <= when.year <= LATEST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{value!r} is outside the years {EARLIEST_YEAR} to {LATEST_YEAR}"
        )
    return when if when.tzinfo else when.replace(tzinfo=BEIJING)


def count(most: int) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to `most`."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from exc
        if not 1 <= number <= most:
            raise argparse.ArgumentTypeError(f"must be 1 to {most:,}")
        return number

    return parse


class Command(BaseCommand):
    help = (
        "Expire verifications whose deadline has passed (their filings are returned, "
        "reason 'expired') and send the automatic 12:00 next-day resends of the "
        "provincial policies. Safe to run twice and concurrently; schedule it every "
        "few minutes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now",
            type=parse_now,
            help="Act as if it were this time (ISO 8601), to travel in time in a demo.",
        )
        parser.add_argument(
            "--batch-size",
            type=count(100_000),
            default=settings.DEADLINE_BATCH_SIZE,
            help="Automatic resends per transaction (default %(default)s).",
        )

    @no_translations  # operator output and logs are in English
    def handle(self, *args: Any, **options: Any) -> None:
        now = options["now"] or timezone.now()
        report = process_deadlines(now, batch_size=options["batch_size"])
        self.stdout.write(
            f"{timezone.localtime(now).isoformat(timespec='seconds')}: "
            f"{report.expired_filings} filings returned as expired "
            f"({report.expired_verifications} verifications), "
            f"{report.automatic_resends} automatic resends sent."
        )
        if settings.SIMULATED_ADMINISTRATION:
            self.stdout.write(
                f"The simulated administration approved {report.reviews_approved} "
                f"and rejected {report.reviews_rejected} filings under review."
            )
        if report.interrupted_sms or report.stranded_sms or report.reaped_tasks:
            self.stdout.write(
                f"Recovered from dead workers: {report.interrupted_sms} texts "
                f"interrupted mid-send, {report.stranded_sms} texts whose task was "
                f"lost, {report.reaped_tasks} task rows left running."
            )
        if report.receipts_pulled or report.deliveries_unknown:
            self.stdout.write(
                f"Delivery receipts: {report.receipts_pulled} pulled from the "
                f"gateways; {report.deliveries_unknown} texts with none after the "
                "last try, now reported unknown."
            )
