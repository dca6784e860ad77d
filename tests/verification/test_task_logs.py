"""A text's delivery logs under the id of the request that queued it."""

import logging

import pytest

from infra import context
from infra.logging import PersonalDataFilter
from tests.portal.helpers import post_form
from tests.verification.helpers import submitted_filing
from verification import codes
from verification.models import SmsMessage
from verification.tasks import deliver_sms

pytestmark = pytest.mark.django_db


class Queue:
    """Stands in for the task: what would have been queued, and with what."""

    def __init__(self):
        self.calls = []

    def enqueue(self, *args, **kwargs):
        self.calls.append((args, kwargs))


def test_the_request_id_goes_with_the_queued_text(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    _, leader, _ = submitted_filing()
    queue = Queue()
    monkeypatch.setattr(codes, "deliver_sms", queue)
    with django_capture_on_commit_callbacks(execute=True):
        post_form(
            client,
            "/resend/",
            {"mobile": leader.mobile, "cert_last6": leader.certificate_number[-6:]},
            HTTP_X_REQUEST_ID="resend-77",
        )
    assert [kwargs for _, kwargs in queue.calls] == [{"request_id": "resend-77"}]


def test_the_worker_logs_the_delivery_under_it():
    _, leader, _ = submitted_filing()
    message = SmsMessage.objects.filter(recipient=leader.mobile).latest("id")
    SmsMessage.objects.filter(pk=message.pk).update(status="queued")
    records = []
    handler = logging.Handler()
    handler.addFilter(PersonalDataFilter())
    handler.emit = records.append
    logger = logging.getLogger("verification.tasks")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        assert context.request_id.get() == "-"  # no request here, as in a worker
        deliver_sms.call(message.pk, request_id="resend-77")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    sent = [r for r in records if r.getMessage().startswith(f"SMS {message.pk} sent")]
    assert [r.request_id for r in sent] == ["resend-77"]
    assert context.request_id.get() == "-"
