"""Make a provider API key and print it (alone, on the last line)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from filings.models import Provider
from integrations import keys
from integrations.models import ApiKey


class Command(BaseCommand):
    help = (
        "Create an API key for an access provider (by its code). The key is printed "
        "once, alone on the last line; only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("provider", help="The provider's code, e.g. aliyun.")
        parser.add_argument("--name", required=True, help="What the key is for.")
        parser.add_argument(
            "--test",
            action="store_true",
            help=(
                "A test key (icp_test_…): its filings are the sandbox's, never "
                "texted through a real gateway nor shown to the staff's queue "
                "(the manual: the sandbox)."
            ),
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="First revoke the provider's live keys of the same name.",
        )
        parser.add_argument(
            "--keep-in",
            metavar="FILE",
            help=(
                "Keep the key in FILE (readable by its owner only): when FILE holds a "
                "live key of this provider and name, print it again instead of "
                "making one (make demo keeps its key across runs)."
            ),
        )

    def handle(self, *args, **options):
        provider = Provider.objects.filter(code=options["provider"]).first()
        if provider is None:
            codes = ", ".join(Provider.objects.values_list("code", flat=True))
            raise CommandError(
                f"No provider {options['provider']!r}; the providers are: {codes}."
            )
        name = options["name"].strip()
        if not name or len(name) > 100:
            raise CommandError("--name must have 1 to 100 characters.")
        kept = Path(options["keep_in"]) if options["keep_in"] else None
        if kept is not None and kept.exists():
            record = keys.authenticate(kept.read_text().strip())
            if (
                record
                and record.provider_id == provider.pk
                and record.name == name
                and record.livemode == (not options["test"])
            ):
                self.stdout.write(
                    f"API key “{record.name}” for {provider.code} (begins "
                    f"{record.prefix}), kept in {kept}:"
                )
                self.stdout.write(kept.read_text().strip())
                return
        if options["replace"]:
            for old in ApiKey.objects.filter(
                provider=provider,
                name=name,
                revoked_at__isnull=True,
                livemode=not options["test"],
            ):
                keys.revoke(old)
                self.stdout.write(f"Revoked the key beginning {old.prefix}.")
        record, key = keys.create_key(provider, name, livemode=not options["test"])
        kind = "Test API key (the sandbox)" if options["test"] else "API key"
        self.stdout.write(
            f"{kind} “{record.name}” for {provider.code} (begins {record.prefix}); "
            "shown this once:"
        )
        if kept is not None:
            kept.touch(mode=0o600)
            kept.write_text(key + "\n")
        self.stdout.write(key)
