"""Compute and keep the dashboard funnel's finished days ahead of the first view."""

import time

from django.core.management.base import BaseCommand, CommandError

from console import funnel


class Command(BaseCommand):
    help = (
        "Compute and keep the funnel figures of every finished day (nobody of that "
        "day still waiting) among the last N days, so that the dashboard never has "
        "to: run it after an upgrade and once a night. Days already kept are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=funnel.MAX_DAYS, help="default %(default)s"
        )

    def handle(self, *args, **options):
        days = options["days"]
        if not 1 <= days <= funnel.MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {funnel.MAX_DAYS}.")
        started = time.perf_counter()
        kept = funnel.keep_final_days(days)
        self.stdout.write(
            f"{kept} day(s) newly kept of the last {days}, in "
            f"{time.perf_counter() - started:.1f}s."
        )
