"""Show one filing application, its verifications and its status."""

import datetime
import json
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    no_translations,
)
from django.utils import timezone

from filings.models import FilingApplication


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def describe_filing(filing: FilingApplication) -> dict[str, Any]:
    """A filing as plain data (the `show_filing --json` document)."""
    return {
        "reference": filing.reference,
        "provider": filing.provider.code,
        "province": filing.province_id,
        "type": filing.filing_type,
        "change_scope": filing.change_scope or None,
        "policy": filing.policy,
        "status": filing.status,
        "submitted_at": _iso(filing.submitted_at),
        "deadline": _iso(filing.verification_deadline),
        "review_started_at": _iso(filing.review_started_at),
        "review_deadline": (
            filing.review_deadline.isoformat() if filing.review_deadline else None
        ),
        "rejection_reason": filing.rejection_reason or None,
        "review_deadline_provisional": filing.review_deadline_provisional,
        "icp_number": filing.icp_number or None,
        "subject": {
            "name": filing.subject.name,
            "nature": filing.subject.nature,
            "leader": filing.subject.leader.name,
        },
        "services": [
            {
                "kind": service.kind,
                "name": service.name,
                "domains": [domain.name for domain in service.domains.all()],
                "app_identifier": service.app_identifier or None,
                "platforms": service.platform_list,
                "signing_md5": service.signing_md5_text or None,
                "administrator": service.administrator.name,
                "icp_number": service.icp_number or None,
            }
            for service in filing.services.all()
        ],
        "verifications": [
            {
                "mobile": verification.mobile,
                "roles": verification.roles,
                "status": verification.status,
                "failed_attempts": verification.failed_attempts,
                "resends": verification.resends,
            }
            for verification in filing.verifications.all()
        ],
    }


class Command(BaseCommand):
    help = "Show a filing application by its provider reference (--json for machines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "reference", help="The provider's reference, e.g. ALI-0001."
        )
        parser.add_argument(
            "--provider",
            help="Provider code, needed when two providers share a reference.",
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    @no_translations  # operator output and logs are in English
    def handle(self, *args: Any, **options: Any) -> None:
        matching = FilingApplication.objects.filter(
            reference=options["reference"].strip()
        ).select_related("provider", "subject__leader")
        if options["provider"]:
            matching = matching.filter(
                provider__code=options["provider"].strip().lower()
            )
        filings = list(
            matching.prefetch_related(
                "services__domains", "services__administrator", "verifications"
            )[:10]
        )
        if not filings:
            where = (
                f" for provider {options['provider']}" if options["provider"] else ""
            )
            raise CommandError(
                f"No filing with reference {options['reference']!r}{where}."
            )
        if len(filings) > 1:
            providers = ", ".join(sorted(filing.provider.code for filing in filings))
            raise CommandError(
                f"Reference {options['reference']!r} is used by several providers "
                f"({providers}); choose one with --provider."
            )
        document = describe_filing(filings[0])
        if options["json"]:
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            self._print(document)

    def _print(self, doc: dict[str, Any]) -> None:
        scope = f" ({doc['change_scope']})" if doc["change_scope"] else ""
        self.stdout.write(f"Filing {doc['provider']} {doc['reference']}")
        self.stdout.write(f"  type:       {doc['type']}{scope}")
        self.stdout.write(f"  province:   {doc['province']}")
        self.stdout.write(f"  policy:     {doc['policy']}")
        self.stdout.write(f"  status:     {doc['status']}")
        self.stdout.write(f"  submitted:  {doc['submitted_at'] or '-'}")
        self.stdout.write(f"  deadline:   {doc['deadline'] or '-'}")
        if doc["review_deadline"]:
            provisional = " (provisional)" if doc["review_deadline_provisional"] else ""
            self.stdout.write(
                f"  review:     since {doc['review_started_at']}, decided by "
                f"{doc['review_deadline']}{provisional}"
            )
        self.stdout.write(f"  ICP number: {doc['icp_number'] or '-'}")
        subject = doc["subject"]
        self.stdout.write(
            f"  subject:    {subject['name']} ({subject['nature']}), "
            f"leader {subject['leader']}"
        )
        for service in doc["services"]:
            what = ", ".join(service["domains"]) or service["app_identifier"]
            self.stdout.write(
                f"  {service['kind']}:    {service['name']} [{what}], "
                f"administrator {service['administrator']}"
            )
        if not doc["verifications"]:
            self.stdout.write("  verifications: none")
        for item in doc["verifications"]:
            self.stdout.write(
                f"  verification {item['mobile']} {'+'.join(item['roles'])}: "
                f"{item['status']}, {item['failed_attempts']} failed, "
                f"{item['resends']} resends"
            )
