"""The Alibaba Cloud SMS backend against a local server that answers like the gateway."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from verification.models import SmsMessage
from verification.sms import SmsSendError
from verification.sms.aliyun import AliyunBackend, sign

SECRET = "test-access-key-secret"


class Gateway(BaseHTTPRequestHandler):
    """Checks the signature like the real service, then answers `behaviour`."""

    behaviour = "ok"
    requests = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        Gateway.requests.append(params)
        signature = params.pop("Signature")
        if signature != sign(params, SECRET):
            return self._json(400, {"Code": "SignatureDoesNotMatch", "Message": "bad"})
        if Gateway.behaviour == "slow":
            time.sleep(1.0)
        if Gateway.behaviour == "server_error":
            return self._json(503, {"Code": "ServiceUnavailable"})
        if Gateway.behaviour == "throttled":
            return self._json(
                200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit"}
            )
        if Gateway.behaviour == "bad_number":
            return self._json(
                200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "illegal"}
            )
        return self._json(
            200, {"Code": "OK", "Message": "OK", "BizId": "900619", "RequestId": "r"}
        )

    def _json(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.behaviour, Gateway.requests = "ok", []
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "test-key-id"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "ICP备案模拟"
    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_0001"
    settings.ALIYUN_SMS_TIMEOUT = 0.5
    yield Gateway
    server.shutdown()
    server.server_close()


def message():
    return SmsMessage(
        pk=42, sender="12381", recipient="13800138000", text="验证码为123456"
    )


def test_sends_a_signed_request(gateway):
    assert AliyunBackend().send(message()) == "900619"
    params = gateway.requests[0]
    assert params["Action"] == "SendSms"
    assert params["PhoneNumbers"] == "13800138000"
    assert params["SignName"] == "ICP备案模拟"
    assert params["TemplateCode"] == "SMS_0001"
    assert json.loads(params["TemplateParam"]) == {"content": "验证码为123456"}
    assert params["OutId"] == "42"


def test_a_wrong_secret_is_refused_and_not_retried(gateway, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "wrong"
    with pytest.raises(SmsSendError) as info:
        AliyunBackend().send(message())
    assert "SignatureDoesNotMatch" in str(info.value)
    assert info.value.retryable is False


@pytest.mark.parametrize(
    ("behaviour", "retryable", "text"),
    [
        ("server_error", True, "gateway HTTP 503"),
        ("throttled", True, "isv.BUSINESS_LIMIT_CONTROL"),
        ("bad_number", False, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("slow", True, "gateway unreachable"),
    ],
)
def test_gateway_errors(gateway, behaviour, retryable, text):
    gateway.behaviour = behaviour
    with pytest.raises(SmsSendError) as info:
        AliyunBackend().send(message())
    assert text in str(info.value)
    assert info.value.retryable is retryable


def test_unreachable_gateway_is_retryable(settings, gateway):
    settings.ALIYUN_SMS_ENDPOINT = "http://127.0.0.1:9/"
    with pytest.raises(SmsSendError) as info:
        AliyunBackend().send(message())
    assert info.value.retryable is True


def test_missing_credentials_fail_clearly(settings):
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ""
    with pytest.raises(SmsSendError, match="ALIYUN_SMS_ACCESS_KEY_ID") as info:
        AliyunBackend().send(message())
    assert info.value.retryable is False


def test_signature_matches_the_documented_example():
    """The worked example of Alibaba Cloud's RPC signature documentation."""
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert sign(params, "testsecret", method="GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
