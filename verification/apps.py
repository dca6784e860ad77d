import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("SMS verification")

    def ready(self) -> None:
        from django.conf import settings

        from verification import checks, throttles  # noqa: F401 - checks registers

        for action in ("verify", "resend", "lookup"):
            throttles.rates(action)  # a malformed limit fails at start-up, not later
        if not settings.RATELIMIT_ENABLED:
            logger.warning(
                "RATELIMIT_ENABLED is false: the verify and resend pages are not "
                "throttled. Use this only for load tests and scripted runs."
            )
