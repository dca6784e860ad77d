"""Fake SMS gateways on loopback, for the vendor backends: each checks what the
vendor's SDK sends (endpoint, action, signature headers, the number in the vendor's
format, the template parameters) and answers as told: success, an error code, an
HTTP error, or too late."""

import contextlib
import datetime
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from infra.times import BEIJING
from verification.models import SmsMessage
from verification.sms import SmsSendError

ACCESS_KEY_ID = "test-key-id"
SECRET_ID = "test-secret-id"
REGION = "ap-guangzhou"
# Longer than the backends' timeout in these tests.
SLOW_SECONDS = 1.5


class Answer:
    """What the gateway answers next: `kind` is ok, code (the vendor's error code
    in an answer that itself succeeded), error (a request refused, with `status`
    and `code`) or slow."""

    def __init__(self, kind="ok", code="", status=200):
        self.kind, self.code, self.status = kind, code, status


class FakeGateway(BaseHTTPRequestHandler):
    content_type = "application/json"
    answer = Answer()
    received = []
    problems = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        url = urllib.parse.urlsplit(self.path)
        request = {
            "path": url.path,
            "query": dict(urllib.parse.parse_qsl(url.query)),
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
        }
        type(self).received.append(request)
        problems = self.check(request)
        type(self).problems.extend(problems)
        if problems:
            return self.refuse(problems)
        answer = type(self).answer
        if answer.kind == "slow":
            time.sleep(SLOW_SECONDS)
        return self.reply(request, answer)

    def check(self, request):
        raise NotImplementedError

    def refuse(self, problems):
        raise NotImplementedError

    def reply(self, request, answer):
        raise NotImplementedError

    def json(self, status, body, headers=None):
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        # The client may have given up waiting (the slow answer).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(payload)

    def log_message(self, *args):
        pass


def _require(problems, condition, what):
    if not condition:
        problems.append(what)


class AliyunGateway(FakeGateway):
    """dysmsapi 2017-05-25, RPC style, as the SDK calls it: the parameters in the
    query, ACS3-HMAC-SHA256 in the Authorization header."""

    content_type = "application/json;charset=utf-8"

    AUTHORIZATION = re.compile(
        rf"^ACS3-HMAC-SHA256 Credential={ACCESS_KEY_ID},"
        r"SignedHeaders=[a-z0-9;-]+,Signature=[0-9a-f]{64}$"
    )

    def check(self, request):
        problems = []
        headers, query = request["headers"], request["query"]
        _require(problems, request["path"] == "/", "path")
        if headers.get("x-acs-action") == "QuerySendDetails":
            return self.check_query(request)
        _require(problems, headers.get("x-acs-action") == "SendSms", "action")
        _require(problems, headers.get("x-acs-version") == "2017-05-25", "version")
        _require(
            problems,
            self.AUTHORIZATION.match(headers.get("authorization", "")),
            "signature",
        )
        for header in ("x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"):
            _require(problems, headers.get(header), header)
        _require(
            problems,
            re.fullmatch(r"1\d{10}", query.get("PhoneNumbers", "")),
            "phone number",
        )
        for name in ("SignName", "TemplateCode", "OutId"):
            _require(problems, query.get(name), name)
        try:
            params = json.loads(query.get("TemplateParam", ""))
        except ValueError:
            params = None
        _require(
            problems,
            isinstance(params, dict) and set(params) == {"content"},
            "template parameters",
        )
        return problems

    def check_query(self, request):
        """QuerySendDetails: one number, the day in yyyyMMdd, a page of 1-50."""
        problems = []
        headers, query = request["headers"], request["query"]
        _require(
            problems,
            self.AUTHORIZATION.match(headers.get("authorization", "")),
            "signature",
        )
        _require(
            problems,
            re.fullmatch(r"1\d{10}", query.get("PhoneNumber", "")),
            "phone number",
        )
        _require(
            problems, re.fullmatch(r"\d{8}", query.get("SendDate", "")), "send date"
        )
        _require(problems, query.get("PageSize", "").isdigit(), "page size")
        _require(problems, query.get("CurrentPage", "").isdigit(), "current page")
        return problems

    def refuse(self, problems):
        self.json(
            400,
            {"Code": "MissingParameter", "Message": ", ".join(problems)},
        )

    def reply(self, request, answer):
        if request["headers"].get("x-acs-action") == "QuerySendDetails":
            return self.reply_details(request, answer)
        if answer.kind == "error":
            return self.json(
                answer.status,
                {"Code": answer.code, "Message": "refused", "RequestId": "r-1"},
                # The gateway's way of saying when to try again after a limit.
                headers={"x-acs-retry-after": "30"} if answer.status == 429 else {},
            )
        if answer.kind == "code":
            return self.json(
                200, {"Code": answer.code, "Message": "not sent", "RequestId": "r-1"}
            )
        query = request["query"]
        biz_id = str(900619 + len(type(self).sent))
        type(self).sent.append(
            {
                "biz_id": biz_id,
                "mobile": query["PhoneNumbers"],
                "out_id": query["OutId"],
            }
        )
        return self.json(
            200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "r-1"}
        )

    def reply_details(self, request, answer):
        """The details the test put in `details` for the text's BizId."""
        if answer.kind == "error":
            return self.json(
                answer.status,
                {"Code": answer.code, "Message": "refused", "RequestId": "r-2"},
            )
        found = type(self).details.get(request["query"].get("BizId", ""), [])
        return self.json(
            200,
            {
                "Code": "OK",
                "Message": "OK",
                "RequestId": "r-2",
                "TotalCount": len(found),
                "SmsSendDetailDTOs": {"SmsSendDetailDTO": found},
            },
        )


class TencentGateway(FakeGateway):
    """SMS API 2021-01-11 as the SDK calls it: a JSON body, TC3-HMAC-SHA256 in the
    Authorization header, the action and version in X-TC- headers."""

    AUTHORIZATION = re.compile(
        rf"^TC3-HMAC-SHA256 Credential={SECRET_ID}/\d{{4}}-\d{{2}}-\d{{2}}/sms/"
        r"tc3_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$"
    )

    def check(self, request):
        problems = []
        headers = request["headers"]
        _require(problems, request["path"] == "/", "path")
        if headers.get("x-tc-action") == "PullSmsSendStatus":
            return self.check_pull(request)
        _require(problems, headers.get("x-tc-action") == "SendSms", "action")
        _require(problems, headers.get("x-tc-version") == "2021-01-11", "version")
        _require(problems, headers.get("x-tc-region") == REGION, "region")
        _require(problems, headers.get("x-tc-timestamp", "").isdigit(), "timestamp")
        _require(
            problems,
            self.AUTHORIZATION.match(headers.get("authorization", "")),
            "signature",
        )
        try:
            body = json.loads(request["body"])
        except ValueError:
            body = {}
        numbers = body.get("PhoneNumberSet") or [""]
        _require(
            problems,
            len(numbers) == 1 and re.fullmatch(r"\+861\d{10}", numbers[0]),
            "phone number",
        )
        params = body.get("TemplateParamSet")
        _require(
            problems,
            isinstance(params, list) and len(params) == 1 and params[0],
            "template parameters",
        )
        for name in ("SmsSdkAppId", "SignName", "TemplateId", "SessionContext"):
            _require(problems, body.get(name), name)
        return problems

    def check_pull(self, request):
        problems = []
        _require(
            problems,
            self.AUTHORIZATION.match(request["headers"].get("authorization", "")),
            "signature",
        )
        try:
            body = json.loads(request["body"])
        except ValueError:
            body = {}
        _require(problems, 0 < int(body.get("Limit") or 0) <= 100, "limit")
        _require(problems, body.get("SmsSdkAppId"), "SmsSdkAppId")
        return problems

    def refuse(self, problems):
        self.json(
            200,
            {
                "Response": {
                    "Error": {
                        "Code": "MissingParameter",
                        "Message": ", ".join(problems),
                    },
                    "RequestId": "r-1",
                }
            },
        )

    def reply(self, request, answer):
        if answer.kind == "error":
            return self.json(
                200,
                {
                    "Response": {
                        "Error": {"Code": answer.code, "Message": "refused"},
                        "RequestId": "r-1",
                    }
                },
            )
        body = json.loads(request["body"])
        if request["headers"].get("x-tc-action") == "PullSmsSendStatus":
            # The reports not pulled yet, oldest first, `Limit` at a time.
            pending = type(self).pending
            given, pending[:] = pending[: body["Limit"]], pending[body["Limit"] :]
            return self.json(
                200,
                {"Response": {"PullSmsSendStatusSet": given, "RequestId": "r-2"}},
            )
        serial = f"2028:{len(type(self).sent) + 1:04d}"
        type(self).sent.append(
            {
                "sid": serial,
                "mobile": body["PhoneNumberSet"][0].removeprefix("+86"),
                "session": body["SessionContext"],
            }
        )
        status = {
            "SerialNo": serial,
            "PhoneNumber": body["PhoneNumberSet"][0],
            "Fee": 1,
            "SessionContext": body["SessionContext"],
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        if answer.kind == "code":
            status.update(SerialNo="", Fee=0, Code=answer.code, Message="not sent")
        return self.json(
            200, {"Response": {"SendStatusSet": [status], "RequestId": "r-1"}}
        )


class Running:
    """A fake gateway serving on a free loopback port until `stop()`."""

    def __init__(self, handler):
        self.handler = type(handler.__name__, (handler,), {})
        self.handler.answer, self.handler.received, self.handler.problems = (
            Answer(),
            [],
            [],
        )
        # What it took (for its receipts); Alibaba Cloud's details by BizId and
        # Tencent Cloud's reports waiting to be pulled.
        self.handler.sent, self.handler.details, self.handler.pending = [], {}, []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answers(self, kind="ok", code="", status=200):
        self.handler.answer = Answer(kind, code, status)

    @property
    def received(self):
        return self.handler.received

    @property
    def problems(self):
        return self.handler.problems

    @property
    def sent(self):
        return self.handler.sent

    @property
    def details(self):
        return self.handler.details

    @property
    def pending(self):
        return self.handler.pending

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def serve_aliyun(settings):
    """A fake Alibaba Cloud gateway, and the settings that point the backend at it."""
    running = Running(AliyunGateway)
    settings.ALIYUN_SMS_ENDPOINT = running.url
    settings.ALIYUN_SMS_ACCESS_KEY_ID = ACCESS_KEY_ID
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "test-access-key-secret"
    settings.ALIYUN_SMS_SIGN_NAME = "ICP备案模拟"
    settings.ALIYUN_SMS_TEMPLATE_CODE = "SMS_0001"
    settings.ALIYUN_SMS_TIMEOUT = 0.5
    return running


def serve_tencent(settings):
    """A fake Tencent Cloud gateway, and the settings that point the backend at it."""
    running = Running(TencentGateway)
    settings.TENCENT_SMS_ENDPOINT = running.url
    settings.TENCENT_SMS_SECRET_ID = SECRET_ID
    settings.TENCENT_SMS_SECRET_KEY = "test-secret-key"
    settings.TENCENT_SMS_SDK_APP_ID = "1400000001"
    settings.TENCENT_SMS_SIGN_NAME = "ICP备案模拟"
    settings.TENCENT_SMS_TEMPLATE_ID = "100001"
    settings.TENCENT_SMS_REGION = REGION
    settings.TENCENT_SMS_TIMEOUT = 0.5
    return running


def sample_message():
    """The text both vendors' tests send: a code, to a mainland number."""
    return SmsMessage(
        pk=42, sender="12381", recipient="13800138000", text="验证码为123456"
    )


def refused(backend_class, gateway):
    """The SmsSendError a backend raises for the gateway's current answer; the SDK's
    request must have been one the gateway finds no fault with."""
    with pytest.raises(SmsSendError) as info:
        backend_class().send(sample_message())
    assert gateway.problems == []
    return info.value


# -- receipts, as each vendor sends them ---------------------------------------------

RECEIPT_SECRET = "receipt-secret-0123456789"


def beijing(moment):
    """A time as both vendors write it: Beijing time, to the second."""
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def aliyun_report(sent, *, success=True, code="DELIVERED", at=None, **changes):
    """One report of an SmsReport push for a text the gateway took (`sent`)."""
    at = at or timezone.now()
    report = {
        "phone_number": sent["mobile"],
        "send_time": beijing(at - datetime.timedelta(seconds=3)),
        "report_time": beijing(at),
        "success": success,
        "err_code": code,
        "err_msg": "用户接收成功" if success else "失败",
        "sms_size": "1",
        "biz_id": sent["biz_id"],
        "out_id": sent["out_id"],
    }
    return {**report, **changes}


def tencent_report(sent, *, success=True, code="DELIVRD", at=None, **changes):
    """One report of the status callback for a text the gateway took (`sent`)."""
    at = at or timezone.now()
    report = {
        "user_receive_time": beijing(at),
        "nationcode": "86",
        "mobile": sent["mobile"],
        "report_status": "SUCCESS" if success else "FAIL",
        "errmsg": code,
        "description": "用户短信送达成功" if success else "用户短信送达失败",
        "sid": sent["sid"],
    }
    return {**report, **changes}


def receipt_address(vendor, secret=RECEIPT_SECRET):
    return f"/sms/receipts/{vendor}/{secret}/"


def push(client, vendor, reports, *, secret=RECEIPT_SECRET, tries=4):
    """Post `reports` as the vendor does: a JSON array, pushed again while the
    answer is not a 200 (Alibaba Cloud tries 4 times in all). Returns the answers."""
    answers = []
    for _ in range(tries):
        answer = client.post(
            receipt_address(vendor, secret),
            data=json.dumps(reports, ensure_ascii=False),
            content_type="application/json",
        )
        answers.append(answer)
        if answer.status_code == 200:
            break
    return answers
