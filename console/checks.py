"""Deployment checks (`manage.py check --deploy`) of the staff console."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def second_factor_on(app_configs, **kwargs):
    """Staff logins ask for a second factor outside demo mode."""
    if settings.STAFF_SECOND_FACTOR or settings.DEMO_MODE:
        return []
    return [
        Error(
            "STAFF_SECOND_FACTOR is off outside demo mode: a staff password alone "
            "opens a console of personal data.",
            hint="Unset STAFF_SECOND_FACTOR (it is on by default outside demo mode).",
            id="console.E001",
        )
    ]
