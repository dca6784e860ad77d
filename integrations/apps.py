from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    """What an access provider's systems are given beside the filings: API keys,
    idempotent answers, webhook endpoints, and the signing, delivery and tasks that
    send them their events. Below the doors: the API serves these over HTTP, the
    console's admin pages manage them."""

    name = "integrations"
    verbose_name = _("Provider API")
