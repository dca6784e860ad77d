"""Mark done the follow-ups whose filing has left the waiting states."""

from django.core.management.base import BaseCommand

from console.casework import close_finished_follow_ups


class Command(BaseCommand):
    help = (
        "Mark done the open follow-ups whose filing was returned, cancelled, approved "
        "or rejected since they were set. They count as done from then anyway; this "
        "keeps the work queue's reading of open follow-ups short. Run it nightly."
    )

    def handle(self, *args, **options):
        closed = close_finished_follow_ups()
        self.stdout.write(
            f"{closed} follow-up(s) closed: their filing is no longer waiting."
        )
