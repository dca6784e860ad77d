"""Write again the keyed hashes the support desk's search finds full mobile and
certificate numbers by, after VERIFICATION_CODE_SECRET (or SECRET_KEY, when it is
unset) changed."""

from typing import Any

from django.core.management.base import BaseCommand

from filings import lookup_keys
from filings.models import Person, Subject


class Command(BaseCommand):
    help = (
        "Recompute the lookup keys of every person's mobile and certificate number "
        "and every entity's certificate number (after the key changed)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(what: str, written: int) -> None:
            if written % 50_000 < lookup_keys.BATCH:
                self.stdout.write(f"  {what}: {written:,}")

        people, subjects = lookup_keys.rehash(
            Person.objects.all(), Subject.objects.all(), progress=progress
        )
        self.stdout.write(
            f"Lookup keys written: {people:,} people, {subjects:,} entities."
        )
