"""Deployment checks (`manage.py check --deploy`) for what the engine needs from the
cache."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"The cache is per process ({backend.rsplit('.', 1)[-1]}): every web "
            "process counts its own throttles, so N processes let N times the limits "
            "through.",
            hint="Set CACHE_URL to a cache all processes share, e.g. "
            "CACHE_URL=redis://127.0.0.1:6379/0.",
            id="verification.W001",
        )
    ]
