"""Start-up checks of the demo's settings."""

from django.conf import settings
from django.core.checks import Error, register

from demo import gateway
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
