"""The Tencent Cloud backend, through the vendor's SDK, against a loopback gateway
that checks what the SDK sends: each of the gateway's answers maps onto the retry
rules as the table in `verification.sms.tencent` says, row by row."""

import json

import pytest

from tests.verification import gateways
from verification.sms import SmsSendError, tencent
from verification.sms.tencent import TencentBackend


@pytest.fixture
def gateway(settings):
    running = gateways.serve_tencent(settings)
    yield running
    running.stop()


message = gateways.sample_message


def failure(gateway):
    return gateways.refused(TencentBackend, gateway)


def test_a_text_goes_as_the_sdk_sends_it(gateway):
    assert TencentBackend().send(message()) == "2028:0001"
    assert gateway.problems == []
    (request,) = gateway.received
    assert request["headers"]["host"] == gateway.url.split("/")[2]
    body = json.loads(request["body"])
    assert body["PhoneNumberSet"] == ["+8613800138000"]
    assert body["SmsSdkAppId"] == "1400000001"
    assert body["SignName"] == "ICP备案模拟"
    assert body["TemplateId"] == "100001"
    assert body["TemplateParamSet"] == ["验证码为123456"]
    assert body["SessionContext"] == "42"


def test_throttling_of_the_number_is_tried_again(gateway):
    gateway.answers("code", "LimitExceeded.PhoneNumberThirtySecondLimit")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (True, "throttled")
    assert "LimitExceeded.PhoneNumberThirtySecondLimit" in str(error)


def test_throttling_of_the_request_is_tried_again(gateway):
    gateway.answers("error", "RequestLimitExceeded")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (True, "throttled")


def test_an_invalid_number_is_final(gateway):
    gateway.answers("code", "InvalidParameterValue.IncorrectPhoneNumber")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (False, "invalid_number")
    assert "InvalidParameterValue.IncorrectPhoneNumber" in str(error)


def test_a_wrong_key_is_final(gateway):
    gateway.answers("error", "AuthFailure.SignatureFailure")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (False, "refused")


def test_a_gateway_too_slow_is_tried_again(gateway):
    gateway.answers("slow")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (True, "timeout")
    assert "gateway unreachable" in str(error)


def test_a_gateway_not_there_is_tried_again(gateway, settings):
    settings.TENCENT_SMS_ENDPOINT = "http://127.0.0.1:9/"
    with pytest.raises(SmsSendError) as info:
        TencentBackend().send(message())
    assert (info.value.retryable, info.value.failure) == (True, "unreachable")


@pytest.mark.parametrize("row", tencent.ANSWERS, ids=lambda row: row.prefix)
@pytest.mark.parametrize("where", ["code", "error"])
def test_each_code_of_the_table(gateway, row, where):
    """Whether the gateway says it of the number or of the whole request."""
    code = f"{row.prefix}.Something"
    gateway.answers(where, code)
    error = failure(gateway)
    assert (error.retryable, error.failure) == (row.retryable, row.failure)
    assert code in str(error)


def test_an_empty_key_fails_the_text_for_good(gateway, settings):
    """The start-up check stops this first; if it comes to a send, it is final."""
    settings.TENCENT_SMS_SECRET_ID = ""
    error = failure(gateway)
    assert (error.retryable, error.failure) == (False, "refused")
    assert "InvalidCredential" in str(error)
    assert gateway.received == []
