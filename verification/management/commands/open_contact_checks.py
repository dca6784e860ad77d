"""Open a campaign of contact checks over a province's approved filings."""

from typing import Any

from django.conf import settings
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)
from django.utils import timezone

from filings.importing import is_plain_text
from filings.models import Province
from verification import contact_checks, moves
from verification.management.commands.process_deadlines import count, parse_now


class Command(BaseCommand):
    help = (
        "Open a check of contact details (专项核查) on every approved filing of a "
        "province: each contact is texted a code to confirm on the verify page "
        "within CONTACT_CHECK_WINDOW_DAYS days; a check not done by then is missed "
        "and the filing flagged for access removal, which staff confirm."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("province", help="Province code, e.g. js.")
        parser.add_argument(
            "--name", help="The campaign's name (default: the province and date)."
        )
        parser.add_argument(
            "--limit",
            type=count(1_000_000),
            help="Check at most this many filings, oldest approval first.",
        )
        parser.add_argument(
            "--now", type=parse_now, help="Open it as if it were this time (ISO 8601)."
        )

    @no_translations  # operator output and logs are in English
    def handle(self, *args: Any, **options: Any) -> None:
        code = options["province"].strip().lower()
        province = (
            Province.objects.filter(code=code).first() if is_plain_text(code) else None
        )
        if province is None:
            known = ", ".join(Province.objects.values_list("code", flat=True))
            raise CommandError(f"No province {code!r}; one of {known}.")
        now = options["now"] or timezone.now()
        name = (options["name"] or "").strip()[:100]
        if name and not is_plain_text(name):
            raise CommandError("--name holds a character that is not text.")
        try:
            report = contact_checks.open_campaign(
                name,
                province=province.code,
                actor=moves.SYSTEM,
                now=now,
                limit=options["limit"],
            )
        except contact_checks.CheckRefused as exc:
            raise CommandError(
                f"No campaign opened: no approved filing of {province.code} to check "
                "(none, or each has an open or missed check)."
            ) from exc
        campaign = report.campaign
        self.stdout.write(
            f"Campaign {campaign.pk} ({campaign.name or province.name_en}): "
            f"{report.opened} checks opened, "
            f"{report.skipped} skipped (an open check already); the contacts confirm "
            f"by {timezone.localtime(campaign.deadline).isoformat(timespec='minutes')} "
            f"({settings.CONTACT_CHECK_WINDOW_DAYS} days)."
        )
