"""The demo logins: one per staff role, all with the same published password."""

from django.contrib.auth.models import Group, User

DEMO_ACCOUNTS = [
    ("demo-admin", None, "superuser: everything, unmasked personal data"),
    ("demo-supervisor", "Supervisor", "every override, assign cases, edit macros"),
    (
        "demo-agent",
        "Support agent",
        "view, resend codes, extend deadlines, claim cases, notes, follow-ups",
    ),
    ("demo-auditor", "Auditor", "view only"),
]
# Public by design: demo logins of a local simulator, printed by `make demo` and
# written in the README. `check --deploy` warns of any active staff login that still
# has it (demo.checks).
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105


def ensure_demo_accounts(password=DEMO_PASSWORD):
    """Create the demo logins that do not exist yet; returns their descriptions."""
    for username, group, _ in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": group is None},
        )
        if created:
            user.set_password(password)
            user.save()
        if group:
            user.groups.add(Group.objects.get(name=group))
    return DEMO_ACCOUNTS
