"""The demo logins: the administration's, one per staff role, and two providers'
support teams (a supervisor and an agent each), all with the same published
password."""

import io

from django.contrib.auth.models import Group, User
from django.core.management import call_command

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
# Two providers' support teams: they see their own provider's customers alone.
PROVIDER_ACCOUNTS = [
    ("ali-supervisor", "supervisor", "aliyun", "Alibaba Cloud's supervisor"),
    ("ali-agent", "agent", "aliyun", "Alibaba Cloud's support agent"),
    ("tencent-supervisor", "supervisor", "tencent", "Tencent Cloud's supervisor"),
    ("tencent-agent", "agent", "tencent", "Tencent Cloud's support agent"),
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
    for username, role, provider, _ in PROVIDER_ACCOUNTS:
        if not User.objects.filter(username=username).exists():
            call_command(
                "create_staff",
                username,
                role=role,
                provider=provider,
                password=password,
                stdout=io.StringIO(),  # said by the caller
            )
    return DEMO_ACCOUNTS + [
        (username, role, f"{what}: {provider} filings only")
        for username, role, provider, what in PROVIDER_ACCOUNTS
    ]
