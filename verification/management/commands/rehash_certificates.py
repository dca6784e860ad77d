"""Write every verification's certificate hashes afresh from its filing's people."""

from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)

from verification.codes import rehash_certificates
from verification.models import Verification, VerificationStatus


class Command(BaseCommand):
    help = (
        "Recompute the keyed hashes of the certificate tails that each verification "
        "accepts, from its filing's people. Run it after changing "
        "VERIFICATION_CODE_SECRET (or SECRET_KEY when that is unset), and after "
        "writing verification rows by bulk SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pending-only",
            action="store_true",
            help="Only pending verifications (the ones a person can still verify).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Rows per statement (default 2000).",
        )

    @no_translations  # operator output is in English
    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        rows = Verification.objects.all()
        if options["pending_only"]:
            rows = rows.filter(status=VerificationStatus.PENDING)
        total = rows.count()
        if not total:
            self.stdout.write("No verifications to rehash.")
            return

        def progress(done: int) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {done:,} of {total:,} verifications rehashed")

        done = rehash_certificates(
            rows, batch_size=options["batch_size"], progress=progress
        )
        noun = "verification" if done == 1 else "verifications"
        self.stdout.write(self.style.SUCCESS(f"Rehashed {done:,} {noun}."))
