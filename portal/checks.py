"""Deployment checks (`manage.py check --deploy`) for switches meant for tests and
demos only."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def test_switches_off(app_configs, **kwargs):
    warnings = []
    if settings.CAPTCHA_TEST_MODE:
        warnings.append(
            Warning(
                "CAPTCHA_TEST_MODE is on: every captcha accepts the answer PASSED.",
                hint="Unset CAPTCHA_TEST_MODE in production.",
                id="portal.W001",
            )
        )
    if not settings.RATELIMIT_ENABLED:
        warnings.append(
            Warning(
                "RATELIMIT_ENABLED is false: verify and resend are not throttled.",
                hint="Unset RATELIMIT_ENABLED in production.",
                id="portal.W002",
            )
        )
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        warnings.append(
            Warning(
                "WEBHOOKS_ALLOW_PRIVATE is on: a provider's webhook endpoint may be "
                "on this network (loopback, private and link-local addresses) or "
                "plain http://, so the webhooks can reach internal services.",
                hint="Unset WEBHOOKS_ALLOW_PRIVATE in production.",
                id="portal.W003",
            )
        )
    return warnings
