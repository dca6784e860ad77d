"""System checks: the SMS gateway's settings (at every start: `manage.py check`, the
worker, and the web processes through `icpportal.wsgi`), and for deployments
(`manage.py check --deploy`) what the engine needs from the cache."""

import re
import urllib.parse
from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from verification import sms

SMS = "sms"
# The settings each gateway backend cannot send without.
GATEWAY_SETTINGS: dict[str, tuple[str, ...]] = {
    "aliyun": (
        "ALIYUN_SMS_ACCESS_KEY_ID",
        "ALIYUN_SMS_ACCESS_KEY_SECRET",
        "ALIYUN_SMS_SIGN_NAME",
        "ALIYUN_SMS_TEMPLATE_CODE",
        "ALIYUN_SMS_ENDPOINT",
        "ALIYUN_SMS_TIMEOUT",
    ),
    "tencent": (
        "TENCENT_SMS_SECRET_ID",
        "TENCENT_SMS_SECRET_KEY",
        "TENCENT_SMS_SDK_APP_ID",
        "TENCENT_SMS_SIGN_NAME",
        "TENCENT_SMS_TEMPLATE_ID",
        "TENCENT_SMS_REGION",
        "TENCENT_SMS_ENDPOINT",
        "TENCENT_SMS_TIMEOUT",
    ),
}


@register(SMS)
def sms_gateway(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The configured SMS backend exists, and a gateway's settings are all there."""
    name = settings.SMS_BACKEND
    try:
        import_string(sms.backend_path(name))
    except ImportError as exc:
        return [
            Error(
                f"SMS_BACKEND is {name!r}, which is not a backend: {exc}",
                hint="Use database, console, locmem, aliyun, tencent or the dotted "
                "path of a backend class.",
                id="verification.E001",
            )
        ]
    errors: list[CheckMessage] = []
    for setting in GATEWAY_SETTINGS.get(name, ()):
        value = getattr(settings, setting, None)
        if value in (None, ""):
            errors.append(
                Error(
                    f"SMS_BACKEND is {name} but {setting} is not set: no text could "
                    "be sent.",
                    hint=f"Set {setting} in the environment (the manual: Verification, "
                    "Text messages).",
                    id="verification.E002",
                )
            )
        elif setting.endswith("_ENDPOINT"):
            url = urllib.parse.urlsplit(str(value))
            if url.scheme not in ("http", "https") or not url.netloc:
                errors.append(
                    Error(
                        f"{setting} is {value!r}, not an http(s) URL.",
                        hint="For example https://dysmsapi.aliyuncs.com/ or "
                        "https://sms.tencentcloudapi.com/.",
                        id="verification.E003",
                    )
                )
        elif setting.endswith("_TIMEOUT") and not float(value) > 0:
            errors.append(
                Error(
                    f"{setting} is {value}: it must be more than 0 seconds.",
                    id="verification.E004",
                )
            )
    return errors


PER_PROCESS_CACHES: set[str] = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
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


@register(SMS, deploy=True)
def receipt_secret(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A real gateway with receipts on and no receipt address: receipts come only by
    the pull, minutes late; a short secret is one that can be guessed."""
    if settings.SMS_BACKEND not in ("aliyun", "tencent"):
        return []
    if not settings.SMS_DELIVERY_RECEIPTS:
        return []
    secret = settings.SMS_RECEIPT_SECRET
    if not secret:
        return [
            Warning(
                "SMS_RECEIPT_SECRET is not set: the gateway cannot push delivery "
                "receipts, and a text counts as delivered only when the sweep's pull "
                "finds its receipt (or is unknown after the last try).",
                hint="Set SMS_RECEIPT_SECRET and the receipt address in the vendor's "
                "console (the manual: Delivery receipts).",
                id="verification.W002",
            )
        ]
    if not re.fullmatch(r"[A-Za-z0-9_-]+", secret):
        return [
            Warning(
                "SMS_RECEIPT_SECRET holds characters other than letters, digits, - "
                "and _: as a part of the receipt address it may never match.",
                hint='python -c "import secrets; print(secrets.token_urlsafe(32))"',
                id="verification.W003",
            )
        ]
    if len(secret) < 24:
        return [
            Warning(
                "SMS_RECEIPT_SECRET is shorter than 24 characters: anyone who guesses "
                "it can report texts delivered.",
                hint='python -c "import secrets; print(secrets.token_urlsafe(32))"',
                id="verification.W003",
            )
        ]
    return []
