"""Start-up checks of the demo's settings, and deployment checks (`manage.py check
--deploy`) that nothing of the demo is left on in production."""

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import User
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from demo import gateway
from demo.accounts import DEMO_PASSWORD
from verification import sms


@register("sms")
def training_gateway_only_in_demo_mode(app_configs=None, **kwargs):
    """The training gateway misbehaves on purpose: it is refused outside demo mode."""
    if sms.backend_path() == gateway.PATH and not settings.DEMO_MODE:
        return [
            Error(
                "SMS_BACKEND is the demo's training gateway, but DEMO_MODE is off.",
                hint="Set DEMO_MODE=true for a training environment, or choose a "
                "real gateway (aliyun, tencent) or the database outbox.",
                id="demo.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def demo_mode_off(app_configs=None, **kwargs):
    """Demo mode is for demo and training machines only."""
    if not settings.DEMO_MODE:
        return []
    return [
        Warning(
            "DEMO_MODE is on: the demo phone (/demo/phone/) shows the text "
            "messages' codes to anyone, the training pages are open, and seed_demo "
            "may make the demo logins.",
            hint="Unset DEMO_MODE in production.",
            id="demo.W001",
        )
    ]


@register(Tags.security, deploy=True)
def no_staff_login_with_the_demo_password(app_configs=None, **kwargs):
    """No active staff login still has the demo logins' published password."""
    # Checking a password runs the hasher (PBKDF2, deliberately slow: a fraction of
    # a second each), so only the logins that can open the console are tried: active
    # staff. The hashes are only read: no login's hash is upgraded or saved here.
    try:
        found = [
            username
            for username, encoded in User.objects.filter(
                is_active=True, is_staff=True
            ).values_list("username", "password")
            if check_password(DEMO_PASSWORD, encoded)
        ]
    except DatabaseError:
        # No database to read (not migrated yet, or not reachable from where the
        # check runs): nothing to say about its logins.
        return []
    if not found:
        return []
    return [
        Warning(
            f"Staff login(s) {', '.join(sorted(found))} still have the demo password "
            "published in the README: anyone can log in to the console with them.",
            hint="Give them a new password (manage.py changepassword USERNAME) or "
            "deactivate them in the console.",
            id="demo.W002",
        )
    ]
