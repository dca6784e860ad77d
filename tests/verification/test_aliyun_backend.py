"""The Alibaba Cloud backend, through the vendor's SDK, against a loopback gateway
that checks what the SDK sends: each of the gateway's answers maps onto the retry
rules as the table in `verification.sms.aliyun` says, row by row."""

import json

import pytest

from tests.verification import gateways
from verification.sms import SmsSendError, aliyun
from verification.sms.aliyun import AliyunBackend


@pytest.fixture
def gateway(settings):
    running = gateways.serve_aliyun(settings)
    yield running
    running.stop()


message = gateways.sample_message


def failure(gateway):
    return gateways.refused(AliyunBackend, gateway)


def test_a_text_goes_as_the_sdk_sends_it(gateway):
    assert AliyunBackend().send(message()) == "900619"
    assert gateway.problems == []
    (request,) = gateway.received
    assert request["headers"]["host"] == gateway.url.split("/")[2]
    query = request["query"]
    assert query["PhoneNumbers"] == "13800138000"
    assert query["SignName"] == "ICP备案模拟"
    assert query["TemplateCode"] == "SMS_0001"
    assert json.loads(query["TemplateParam"]) == {"content": "验证码为123456"}
    assert query["OutId"] == "42"


def test_throttling_is_tried_again(gateway):
    gateway.answers("code", "isv.BUSINESS_LIMIT_CONTROL")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (True, "throttled")
    assert "isv.BUSINESS_LIMIT_CONTROL" in str(error)


def test_an_invalid_number_is_final(gateway):
    gateway.answers("code", "isv.MOBILE_NUMBER_ILLEGAL")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (False, "invalid_number")
    assert "isv.MOBILE_NUMBER_ILLEGAL" in str(error)


def test_a_gateway_too_slow_is_tried_again(gateway):
    gateway.answers("slow")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (True, "timeout")
    assert "gateway unreachable" in str(error)


def test_a_gateway_not_there_is_tried_again(gateway, settings):
    settings.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9/"
    with pytest.raises(SmsSendError) as info:
        AliyunBackend().send(message())
    assert (info.value.retryable, info.value.failure) == (True, "unreachable")


@pytest.mark.parametrize(
    ("status", "code", "retryable", "why"),
    [
        (400, "InvalidAccessKeyId.NotFound", False, "refused"),
        (400, "SignatureDoesNotMatch", False, "refused"),
        (400, "Throttling.User", True, "throttled"),
        (503, "ServiceUnavailable", True, "gateway_fault"),
        (500, "UnknownFault", True, "gateway_fault"),
        (429, "UnknownLimit", True, "throttled"),
        (403, "UnknownRefusal", False, "refused"),
    ],
)
def test_http_errors(gateway, status, code, retryable, why):
    gateway.answers("error", code, status=status)
    error = failure(gateway)
    assert (error.retryable, error.failure) == (retryable, why)
    assert code in str(error)


@pytest.mark.parametrize("row", aliyun.ANSWERS, ids=lambda row: row.prefix)
def test_each_code_of_the_table(gateway, row):
    code = row.prefix + ("SOMETHING" if row.prefix.endswith(".") else "")
    gateway.answers("code", code)
    error = failure(gateway)
    assert (error.retryable, error.failure) == (row.retryable, row.failure)
    assert code in str(error)


def test_a_code_the_table_does_not_know_is_final(gateway):
    gateway.answers("code", "NewCode.Tomorrow")
    error = failure(gateway)
    assert (error.retryable, error.failure) == (False, "refused")
