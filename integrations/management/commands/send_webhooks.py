"""The webhooks' safety net: events no dispatcher took, sends whose worker stopped,
deliveries due whose task was lost."""

from django.core.management.base import BaseCommand, no_translations
from django.utils import timezone

from integrations import tasks


class Command(BaseCommand):
    help = (
        "Dispatch the provider events that no dispatcher took (a process that died "
        "right after its commit), put back deliveries whose worker stopped mid-send, "
        "and queue every delivery that is due. Safe to run twice and concurrently; "
        "schedule it every minute beside process_deadlines."
    )

    @no_translations  # operator output and logs are in English
    def handle(self, *args, **options):
        now = timezone.now()
        report = tasks.sweep(now=now)
        self.stdout.write(
            f"{timezone.localtime(now).isoformat(timespec='seconds')}: "
            f"{report.dispatched} events dispatched, {report.stalled} stalled sends "
            f"put back, {len(report.due)} deliveries queued, "
            f"{report.reaped_tasks} task rows left running by a dead worker reaped."
        )
