from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The access providers' door: the versioned HTTP API (`/api/v1/`)."""

    name = "api"
    verbose_name = _("Provider API")
