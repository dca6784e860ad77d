"""Build training scenarios for a trainee (make demo: one of each, on first run)."""

import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from demo import training
from demo.models import TrainingRun


class Command(BaseCommand):
    help = (
        "Build one filing of each training scenario (or the ones named) for a "
        "trainee, through the engine and the training gateway. Needs demo mode "
        "(DEMO_MODE=true) with the database outbox."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "scenarios",
            nargs="*",
            metavar="SCENARIO",
            help="Scenario keys (default: all): "
            + ", ".join(s.key for s in training.SCENARIOS),
        )
        parser.add_argument(
            "--for",
            dest="trainee",
            default="demo-agent",
            help="The trainee's username (default %(default)s).",
        )
        parser.add_argument(
            "--by",
            dest="trainer",
            default="demo-supervisor",
            help="Who hands them out (default %(default)s).",
        )
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="Only if no scenario was handed out yet (make demo).",
        )

    def handle(self, *args, **options):
        if not training.available():
            raise CommandError(
                "Training scenarios need demo mode: set DEMO_MODE=true and keep "
                "SMS_BACKEND at database (the training gateway wraps it)."
            )
        keys = options["scenarios"] or [s.key for s in training.SCENARIOS]
        unknown = [key for key in keys if key not in training.BY_KEY]
        if unknown:
            raise CommandError(
                f"Unknown scenario {', '.join(unknown)}; choose from: "
                + ", ".join(training.BY_KEY)
            )
        trainee = self._staff(options["trainee"])
        trainer = self._staff(options["trainer"])
        if options["if_none"] and TrainingRun.objects.exists():
            self.stdout.write("Training scenarios are already here; keeping them.")
            return
        started = time.perf_counter()
        for index, key in enumerate(keys, start=1):
            run = training.create_run(key, trainee, trainer)
            self.stdout.write(
                f"[{index}/{len(keys)}] {key}: filing {run.filing.reference} "
                f"for {trainee.get_username()}"
            )
        self.stdout.write(
            f"{len(keys)} training scenarios in {time.perf_counter() - started:.1f}s; "
            "open /demo/training/ in the console."
        )

    def _staff(self, username):
        user = User.objects.filter(username=username, is_staff=True).first()
        if user is None:
            raise CommandError(
                f"No staff login {username!r}. Run `manage.py seed_demo` for the demo "
                "logins, or name another with --for/--by."
            )
        return user
