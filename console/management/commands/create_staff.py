"""Make a staff login for the administration or for one access provider."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from console import staff


class Command(BaseCommand):
    help = (
        "Make a staff login in a role, for one access provider (--provider CODE) or "
        "for the administration (--administration). Without --password it prints a "
        "one-time password that must be changed at the first login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(staff.ROLES))
        whose = parser.add_mutually_exclusive_group(required=True)
        whose.add_argument("--provider", metavar="CODE")
        whose.add_argument("--administration", action="store_true")
        parser.add_argument("--password")

    def handle(self, *args, **options):
        if options["password"] is not None:
            try:
                password_validation.validate_password(options["password"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        try:
            user, one_time = staff.create_staff(
                options["username"],
                options["role"],
                provider_code=options["provider"],
                password=options["password"],
            )
        except staff.StaffRefused as exc:
            raise CommandError(str(exc)) from exc
        whose = options["provider"] or _("the administration")
        self.stdout.write(
            _("Staff login %(name)s made: %(role)s, %(whose)s.")
            % {"name": user.username, "role": options["role"], "whose": whose}
        )
        if one_time:
            self.stdout.write(
                _(
                    "One-time password: %(password)s\nIt must be changed at the "
                    "first login; give it to the person only."
                )
                % {"password": one_time}
            )
