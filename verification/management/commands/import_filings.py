"""Import filing applications from a provider's JSON file."""

import json
import logging
import sys
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)
from django.utils import timezone

from filings.conflicts import SubmissionConflict
from filings.importing import RecordInvalid, has_control_characters, parse_record
from filings.models import FilingApplication
from verification.moves import import_filing

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Import filing applications from a JSON file ({'filings': [...]}). Each record "
        "is validated, then written in its own transaction and submitted to the "
        "communications administration (unless --draft). Prints one line per record and "
        "exits non-zero if any record failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="Path of the JSON file, or - for standard input."
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Create the filings as drafts; do not submit them.",
        )
        parser.add_argument(
            "--skip-existing",
            action="store_true",
            help="Report records whose provider reference exists as skipped, not failed.",
        )

    @no_translations  # operator output and logs are in English
    def handle(self, *args: Any, **options: Any) -> None:
        records = self._read(options["file"])
        total = len(records)
        created = skipped = failed = 0
        for index, record in enumerate(records, start=1):
            label = self._label(index, total, record)
            if options["skip_existing"] and self._exists(record):
                skipped += 1
                self.stdout.write(f"{label}: skipped, already imported")
                continue
            try:
                filing = import_filing(
                    parse_record(record), submit=not options["draft"]
                )
            except SubmissionConflict as exc:
                failed += 1
                self.stdout.write(
                    self.style.ERROR(f"{label}: refused ({exc.code}): {exc.detail}")
                )
                self.stdout.write(f"    {exc.outcome.text} {exc.outcome.fix}")
                continue
            except RecordInvalid as exc:
                failed += 1
                self.stdout.write(self.style.ERROR(f"{label}: not imported"))
                for path, message in exc.errors:
                    self.stdout.write(f"    {path}: {message}")
                continue
            except Exception as exc:
                # One record's crash must not hide the outcome of the others; its
                # transaction was rolled back, so nothing of it was written.
                failed += 1
                logger.exception("import of record %s failed", index)
                self.stdout.write(
                    self.style.ERROR(f"{label}: not imported (unexpected error: {exc})")
                )
                continue
            created += 1
            self.stdout.write(self.style.SUCCESS(f"{label}: {self._outcome(filing)}"))
        summary = f"{created} imported, {skipped} skipped, {failed} failed of {total} records."
        if failed:
            raise CommandError(summary)
        self.stdout.write(summary)

    def _read(self, path: str) -> list[Any]:
        try:
            if path == "-":
                data = json.load(sys.stdin)
            else:
                with open(path, encoding="utf-8") as handle:
                    data = json.load(handle)
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("filings"), list):
            raise CommandError(f'{path}: expected an object {{"filings": [...]}}')
        records: list[Any] = data["filings"]
        return records

    @staticmethod
    def _label(index: int, total: int, record: object) -> str:
        if isinstance(record, dict):
            return (
                f"[{index}/{total}] {record.get('provider')} {record.get('reference')}"
            )
        return f"[{index}/{total}]"

    @staticmethod
    def _exists(record: object) -> bool:
        if not isinstance(record, dict):
            return False
        provider, reference = record.get("provider"), record.get("reference")
        if not isinstance(provider, str) or not isinstance(reference, str):
            return False
        if has_control_characters(provider.strip() + reference.strip()):
            return False  # not a reference on record; parsing says why
        return FilingApplication.objects.filter(
            provider__code=provider.strip().lower(),
            reference=reference.strip(),
            livemode=True,
        ).exists()

    @staticmethod
    def _outcome(filing: FilingApplication) -> str:
        count = filing.verifications.count()
        if filing.verification_deadline:
            deadline = timezone.localtime(filing.verification_deadline).isoformat(
                timespec="seconds"
            )
            return f"created, {filing.status} ({count} to verify by {deadline})"
        return f"created, {filing.status}"
