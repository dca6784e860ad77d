"""A gateway backend with a setting missing stops the start, naming the setting: a
system check, run by `manage.py` (the worker included) and by the web processes'
WSGI module, never a failure at the first text."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from verification import checks

COMPLETE = {
    "aliyun": {
        "ALIYUN_SMS_ACCESS_KEY_ID": "key-id",
        "ALIYUN_SMS_ACCESS_KEY_SECRET": "secret",
        "ALIYUN_SMS_SIGN_NAME": "ICP备案模拟",
        "ALIYUN_SMS_TEMPLATE_CODE": "SMS_0001",
        "ALIYUN_SMS_ENDPOINT": "https://dysmsapi.aliyuncs.com/",
        "ALIYUN_SMS_TIMEOUT": 5.0,
    },
    "tencent": {
        "TENCENT_SMS_SECRET_ID": "secret-id",
        "TENCENT_SMS_SECRET_KEY": "secret-key",
        "TENCENT_SMS_SDK_APP_ID": "1400000001",
        "TENCENT_SMS_SIGN_NAME": "ICP备案模拟",
        "TENCENT_SMS_TEMPLATE_ID": "100001",
        "TENCENT_SMS_REGION": "ap-guangzhou",
        "TENCENT_SMS_ENDPOINT": "https://sms.tencentcloudapi.com/",
        "TENCENT_SMS_TIMEOUT": 5.0,
    },
}


def configure(settings, backend, **changes):
    settings.SMS_BACKEND = backend
    for name, value in {**COMPLETE.get(backend, {}), **changes}.items():
        setattr(settings, name, value)


def test_the_table_names_every_setting_of_each_gateway():
    assert {name: set(names) for name, names in checks.GATEWAY_SETTINGS.items()} == {
        name: set(values) for name, values in COMPLETE.items()
    }


@pytest.mark.parametrize("backend", sorted(COMPLETE))
def test_a_complete_gateway_passes(settings, backend):
    configure(settings, backend)
    assert checks.sms_gateway(None) == []


@pytest.mark.parametrize(
    ("backend", "setting"),
    [(backend, name) for backend, values in COMPLETE.items() for name in values],
)
def test_each_missing_setting_is_named(settings, backend, setting):
    configure(settings, backend, **{setting: ""})
    errors = checks.sms_gateway(None)
    assert [error.id for error in errors] == ["verification.E002"]
    assert setting in errors[0].msg and errors[0].is_serious()


@pytest.mark.parametrize("endpoint", ["dysmsapi.aliyuncs.com", "ftp://x/", "https://"])
def test_an_endpoint_that_is_no_url(settings, endpoint):
    configure(settings, "aliyun", ALIYUN_SMS_ENDPOINT=endpoint)
    assert [error.id for error in checks.sms_gateway(None)] == ["verification.E003"]


def test_a_timeout_of_nothing(settings):
    configure(settings, "tencent", TENCENT_SMS_TIMEOUT=0)
    assert [error.id for error in checks.sms_gateway(None)] == ["verification.E004"]


def test_an_unknown_backend(settings):
    configure(settings, "carrier-pigeon")
    assert [error.id for error in checks.sms_gateway(None)] == ["verification.E001"]


def test_the_other_backends_need_nothing(settings):
    for backend in ("database", "console", "locmem"):
        configure(settings, backend)
        assert checks.sms_gateway(None) == []


def _start(command):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "icpportal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "gateway-check-secret-key-0123456789-abcdefghijklmnopqrstuv",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SMS_BACKEND": "tencent",
        **{k: str(v) for k, v in COMPLETE["tencent"].items()},
        "TENCENT_SMS_SECRET_KEY": "",
    }
    return subprocess.run(
        [sys.executable, *command],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_web_process_does_not_start():
    result = _start(["-c", "import icpportal.wsgi"])
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "TENCENT_SMS_SECRET_KEY is not set" in result.stderr


def test_manage_py_does_not_start():
    result = _start(["manage.py", "check"])
    assert result.returncode != 0
    assert "verification.E002" in result.stderr
    assert "TENCENT_SMS_SECRET_KEY" in result.stderr
