from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo and training environment: data generator, try-it, phone, time
    travel, the training gateway and the training scenarios."""

    name = "demo"
    verbose_name = _("Demo")

    def ready(self):
        from demo import checks  # noqa: F401 - registers the start-up check
