"""A text a vendor's gateway would not take shows on the filing page as the retry
rules read it, in words in either language, with the gateway's own code to quote to
the vendor; one to be tried again says so."""

import pytest

from console import timeline
from tests.console.conftest import change_url
from tests.console.test_filing_page import text_of
from tests.verification import gateways
from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage, SmsStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def tencent(settings):
    running = gateways.serve_tencent(settings)
    settings.SMS_BACKEND = "tencent"
    settings.SMS_MAX_ATTEMPTS = 2
    yield running
    running.stop()


def _delivered_with(tencent, capture, where, code):
    tencent.answers(where, code)
    with capture(execute=True):
        filing, leader, _ = submitted_filing()
    assert tencent.problems == []
    return filing, SmsMessage.objects.filter(
        recipient=leader.mobile, kind=SmsKind.VERIFICATION_CODE
    ).get()


@pytest.mark.parametrize(
    ("language", "why"),
    [("en", "the gateway does not take this number"), ("zh-hans", "网关不接受该号码")],
)
def test_an_invalid_number_is_not_delivered_and_says_why(
    tencent, django_capture_on_commit_callbacks, login, agent, language, why
):
    filing, text = _delivered_with(
        tencent,
        django_capture_on_commit_callbacks,
        "code",
        "InvalidParameterValue.IncorrectPhoneNumber",
    )
    assert (text.status, text.failure, text.attempts) == ("failed", "invalid_number", 1)
    page = text_of(login(agent, language).get(change_url(filing)))
    assert why in page
    assert "InvalidParameterValue.IncorrectPhoneNumber" in page
    # The text-message list has it too.
    listing = text_of(login(agent, language).get("/admin/verification/smsmessage/"))
    assert why in listing


def test_throttling_is_tried_again_up_to_the_limit(
    tencent, django_capture_on_commit_callbacks, login, agent
):
    filing, text = _delivered_with(
        tencent, django_capture_on_commit_callbacks, "error", "RequestLimitExceeded"
    )
    # Tried again (the immediate task backend at once), then given up at the limit.
    assert (text.status, text.failure, text.attempts) == ("failed", "throttled", 2)
    page = text_of(login(agent).get(change_url(filing)))
    assert "not delivered: the gateway's sending limit was reached" in page


def test_a_delivery_clears_the_last_failure(
    tencent, django_capture_on_commit_callbacks
):
    _, text = _delivered_with(tencent, django_capture_on_commit_callbacks, "ok", "")
    assert (text.status, text.failure, text.error) == ("sent", "", "")
    # The gateway's own id for it (the third text the fake gateway took).
    assert text.gateway_id == "2028:0003"


def test_a_text_waiting_for_its_next_try_says_so():
    text = SmsMessage(
        kind=SmsKind.VERIFICATION_CODE,
        sender="12381",
        recipient="13800138000",
        text="验证码为123456",
        status=SmsStatus.QUEUED,
        attempts=1,
        failure="timeout",
        error="gateway unreachable: Read timed out.",
    )
    sentence = timeline.delivery_failure(text, "Text")
    assert sentence == (
        "Text, to be tried again after 1 attempts: the gateway did not answer in "
        "time (the gateway said: gateway unreachable: Read timed out.)"
    )
