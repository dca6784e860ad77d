"""Fill the database with realistic, reproducible demo data and demo accounts."""

import time

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, no_translations

from demo.demo_data import Batch, DemoGenerator
from filings.models import FilingApplication

DEMO_ACCOUNTS = [
    ("demo-admin", None, "superuser: everything, unmasked personal data"),
    ("demo-supervisor", "Supervisor", "every override, assign cases, edit macros"),
    (
        "demo-agent",
        "Support agent",
        "view, resend codes, extend deadlines, claim cases, notes, follow-ups",
    ),
    ("demo-auditor", "Auditor", "view only"),
]
# Public by design: demo logins of a local simulator, printed by `make demo`.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105


def ensure_demo_accounts(password=DEMO_PASSWORD):
    """Create the demo logins that do not exist yet; returns their descriptions."""
    for username, group, _ in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": group is None},
        )
        if created:
            user.set_password(password)
            user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
    return DEMO_ACCOUNTS


class Command(BaseCommand):
    help = (
        "Generate N realistic demo filings (Chinese names, companies, valid certificate "
        "numbers, mobiles of every carrier) over every province, policy, filing type and "
        "status, with the codes of waiting filings in the demo phone, and the demo "
        "logins. The same --seed gives the same data."
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
        # The standard macros, for the work queue and the filing page.
        call_command("add_standard_macros", stdout=self.stdout)
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
