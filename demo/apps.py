from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo and training environment: data generator, try-it, phone, time
    travel."""

    name = "demo"
    verbose_name = _("Demo")
