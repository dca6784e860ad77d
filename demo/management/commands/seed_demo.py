"""Fill the database with realistic, reproducible demo data and demo accounts."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, no_translations

from demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
from demo.demo_data import Batch, DemoGenerator
from filings.models import FilingApplication


class Command(BaseCommand):
    help = (
        "Generate N realistic demo filings (Chinese names, companies, valid certificate "
        "numbers, mobiles of every carrier) over every province, policy, filing type and "
        "status, with the codes of waiting filings in the demo phone, and the demo "
        "logins. The same --seed gives the same data. Runs only in demo mode "
        "(DEMO_MODE=true)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--filings", type=int, default=2000, help="default %(default)s"
        )
        parser.add_argument("--seed", type=int, default=1, help="default %(default)s")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--no-accounts", action="store_true", help="No demo logins."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Generate only if there are no demo filings yet (make demo).",
        )

    @no_translations
    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            # The demo logins' password is published (README, make demo): in any
            # other environment they would be open doors, a superuser among them.
            raise CommandError(
                "seed_demo runs only in demo mode: it makes staff logins with a "
                "published password. Set DEMO_MODE=true on a demo or training machine."
            )
        count, seed = options["filings"], options["seed"]
        if count < 1 or options["batch_size"] < 1:
            raise CommandError("--filings and --batch-size must be at least 1.")
        tag = f"D{seed}"
        if (
            options["if_empty"]
            and FilingApplication.objects.filter(reference__regex=r"-D[0-9]+-").exists()
        ):
            self.stdout.write("Demo data is already here; keeping it.")
            self._accounts(options)
            return
        if FilingApplication.objects.filter(reference__contains=f"-{tag}-").exists():
            raise CommandError(
                f"Demo data with seed {seed} is already here. Use another --seed, or "
                "start over with `make demo-reset`."
            )
        generator = DemoGenerator(seed)
        started = time.perf_counter()
        done = 0
        while done < count:
            size = min(options["batch_size"], count - done)
            batch = Batch()
            for index in range(done, done + size):
                generator.filing(batch, index, tag)
            done += generator.write(batch)
            self._progress(done, count, started)
        generator.finish()
        self.stdout.write("")
        self.stdout.write(
            f"{done:,} demo filings (seed {seed}) in {time.perf_counter() - started:.1f}s."
        )
        self._accounts(options)

    def _accounts(self, options):
        # The standard macros and answer scripts, for the queue and the filing page.
        call_command("add_standard_macros", stdout=self.stdout)
        call_command("add_standard_answers", stdout=self.stdout)
        if not options["no_accounts"]:
            for username, _, what in ensure_demo_accounts():
                self.stdout.write(f"  login {username} / {DEMO_PASSWORD}: {what}")

    def _progress(self, done, total, started):
        width = 30
        filled = int(width * done / total)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} filings "
            f"{elapsed:.0f}s",
            ending="",
        )
        self.stdout.flush()
