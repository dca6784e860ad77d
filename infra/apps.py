from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InfraConfig(AppConfig):
    """Floor 0: what any app may use and that knows nothing of filings. The request's
    id and client address, the log's format, Beijing time, rates counted in the
    cache, the cache client, statements composed once per connection, and the
    database task queue's rows. Imports no other app of the project."""

    name = "infra"
    verbose_name = _("Infrastructure")
