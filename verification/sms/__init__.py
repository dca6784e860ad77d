"""SMS backends, shaped like Django's email backends.

`SMS_BACKEND` names the backend class (a dotted path, or one of the short names in
`BACKENDS`). `get_backend()` returns an instance; its `send(message)` delivers one
`SmsMessage` and returns the gateway's message id, or raises `SmsSendError`.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from verification.sms.base import BaseSmsBackend, SmsSendError

BACKENDS = {
    "console": "verification.sms.console.ConsoleBackend",
    "locmem": "verification.sms.locmem.LocmemBackend",
    "database": "verification.sms.database.DatabaseBackend",
    "aliyun": "verification.sms.aliyun.AliyunBackend",
    "tencent": "verification.sms.tencent.TencentBackend",
}

__all__ = ["BACKENDS", "BaseSmsBackend", "SmsSendError", "backend_path", "get_backend"]


def backend_path(name: str | None = None) -> str:
    """The dotted path of the configured (or named) backend."""
    name = name or settings.SMS_BACKEND
    return BACKENDS.get(name, name)


def get_backend(name: str | None = None) -> BaseSmsBackend:
    """An instance of the configured (or named) backend."""
    backend: BaseSmsBackend = import_string(backend_path(name))()
    return backend
