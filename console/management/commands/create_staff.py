"""Make a staff login for the administration or for one access provider."""

from django.core.management.base import BaseCommand, CommandError

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
        try:
            user, one_time = staff.create_staff(
                options["username"],
                options["role"],
                provider_code=options["provider"],
                password=options["password"],
            )
        except staff.StaffRefused as exc:
            raise CommandError(str(exc)) from exc
        whose = options["provider"] or "the administration"
        self.stdout.write(
            f"Staff login {user.username} made: {options['role']}, {whose}."
        )
        if one_time:
            self.stdout.write(
                f"One-time password: {one_time}\n"
                "It must be changed at the first login; give it to the person only."
            )
