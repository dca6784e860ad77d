from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewaysConfig(AppConfig):
    """The SMS vendors' door: where their gateways push delivery receipts."""

    name = "gateways"
    verbose_name = _("SMS gateways")
