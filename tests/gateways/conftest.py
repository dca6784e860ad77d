"""The vendors' fake gateways behind the real backends, with receipts on: a filing
submitted here has its codes taken by the fake gateway, which then reports on them
as the vendor would."""

import pytest

from tests.verification import gateways
from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage


@pytest.fixture
def receipts_on(settings):
    settings.SMS_RECEIPT_SECRET = gateways.RECEIPT_SECRET
    settings.SMS_DELIVERY_RECEIPTS = True


@pytest.fixture
def aliyun(settings, receipts_on):
    running = gateways.serve_aliyun(settings)
    settings.SMS_BACKEND = "aliyun"
    yield running
    running.stop()


@pytest.fixture
def tencent(settings, receipts_on):
    running = gateways.serve_tencent(settings)
    settings.SMS_BACKEND = "tencent"
    yield running
    running.stop()


@pytest.fixture
def sent_codes(django_capture_on_commit_callbacks):
    """Submit a filing (leader + administrator) through the engine: (filing, the
    leader's code text, the administrator's code text)."""

    def submit():
        with django_capture_on_commit_callbacks(execute=True):
            filing, leader, admin = submitted_filing()
        texts = SmsMessage.objects.filter(kind=SmsKind.VERIFICATION_CODE)
        return (
            filing,
            texts.get(recipient=leader.mobile),
            texts.get(recipient=admin.mobile),
        )

    return submit
