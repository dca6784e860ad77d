"""The deploy checks warn of a real gateway with receipts on and no receipt secret,
or one short enough to guess."""

import pytest

from verification import checks


@pytest.mark.parametrize(
    ("backend", "on", "secret", "ids"),
    [
        ("aliyun", True, "", ["verification.W002"]),
        ("tencent", True, "short", ["verification.W003"]),
        ("tencent", True, "x" * 32, []),
        ("tencent", True, "abc/def+ghi=" * 3, ["verification.W003"]),
        ("aliyun", False, "", []),
        ("database", True, "", []),
    ],
)
def test_the_receipt_secret_is_checked(settings, backend, on, secret, ids):
    settings.SMS_BACKEND = backend
    settings.SMS_DELIVERY_RECEIPTS = on
    settings.SMS_RECEIPT_SECRET = secret
    assert [m.id for m in checks.receipt_secret(None)] == ids
