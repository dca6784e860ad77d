"""A real gateway's receipt saying "undeliverable" puts the filing in the work queue
with the reason in words, in both languages; the filing page's timeline says it too,
and a text with no receipt after the last pull reads "unknown", never "delivered"."""

import datetime

import pytest
from django.utils import timezone, translation

from console import queue
from tests.console.conftest import change_url
from tests.console.test_filing_page import text_of
from tests.console.test_queue import reasons_of
from tests.verification import gateways
from tests.verification.gateways import aliyun_report, push
from tests.verification.helpers import submitted_filing
from verification import receipts
from verification.models import SmsKind, SmsMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def aliyun(settings):
    running = gateways.serve_aliyun(settings)
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_RECEIPT_SECRET = gateways.RECEIPT_SECRET
    yield running
    running.stop()


def _leader_code(capture):
    with capture(execute=True):
        filing, leader, _ = submitted_filing()
    return filing, SmsMessage.objects.get(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
    )


def test_a_receipt_saying_undeliverable_queues_the_filing_in_words(
    aliyun, client, login, agent, django_capture_on_commit_callbacks
):
    filing, text = _leader_code(django_capture_on_commit_callbacks)
    assert reasons_of(agent, filing) is None  # waiting for its receipt is not news
    sent = next(s for s in aliyun.sent if s["out_id"] == str(text.pk))
    push(
        client,
        "aliyun",
        [aliyun_report(sent, success=False, code="MOBILE_NOT_ON_SERVICE")],
    )

    with translation.override("en"):
        row = reasons_of(agent, filing)
    assert set(row.reasons) == {queue.TEXT_FAILED}
    (sentence,) = row.sentences
    assert sentence.startswith("The last text to Entity leader (")
    assert sentence.endswith(
        "was not delivered: the number is suspended or out of service"
    )
    with translation.override("zh-hans"):
        (chinese,) = reasons_of(agent, filing).sentences
    assert "号码" in chinese and "停机" in chinese

    login(agent)
    client.cookies["django_language"] = "en"
    page = text_of(client.get(change_url(filing)))
    assert "was not delivered: the number is suspended or out of service" in page
    assert "MOBILE_NOT_ON_SERVICE" in page


def test_no_receipt_after_the_last_pull_reads_unknown(
    aliyun, client, login, agent, settings, django_capture_on_commit_callbacks
):
    settings.SMS_RECEIPT_PULL_TRIES = 2
    filing, text = _leader_code(django_capture_on_commit_callbacks)
    later = datetime.timedelta(seconds=settings.SMS_RECEIPT_PULL_AFTER_SECONDS + 60)
    receipts.pull_due(timezone.now() + later)
    receipts.pull_due(timezone.now() + 2 * later)

    with translation.override("en"):
        sentences = reasons_of(agent, filing).sentences
    # Both people's codes went unreported.
    assert len(sentences) == 2
    assert all("whether it arrived is unknown" in s for s in sentences)
    login(agent)
    client.cookies["django_language"] = "en"
    page = text_of(client.get(change_url(filing)))
    assert "no delivery report came (asked 2 times)" in page
    assert "delivered to the phone" not in page
