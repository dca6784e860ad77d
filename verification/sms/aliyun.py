"""Alibaba Cloud SMS (dysmsapi `SendSms`) over HTTPS, signed with an AccessKey pair.

Settings (from the environment): `ALIYUN_SMS_ACCESS_KEY_ID`,
`ALIYUN_SMS_ACCESS_KEY_SECRET`, `ALIYUN_SMS_SIGN_NAME`, `ALIYUN_SMS_TEMPLATE_CODE`
(a template whose only variable is `${content}`), `ALIYUN_SMS_ENDPOINT` and
`ALIYUN_SMS_TIMEOUT` (seconds).
"""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid

from django.conf import settings

from verification.sms.base import BaseSmsBackend, SmsSendError

API_VERSION = "2017-05-25"
# Error codes worth trying again: flow control and the service's own faults.
RETRYABLE_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling"}


def percent_encode(value):
    """RFC 3986 encoding as the Alibaba Cloud RPC signature requires."""
    return urllib.parse.quote(str(value), safe="~")


def sign(params, secret, method="POST"):
    """The `Signature` parameter for `params` (signature version 1.0, HMAC-SHA1)."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(
        f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


class AliyunBackend(BaseSmsBackend):
    def __init__(self):
        self.access_key_id = settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.access_key_secret = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.sign_name = settings.ALIYUN_SMS_SIGN_NAME
        self.template_code = settings.ALIYUN_SMS_TEMPLATE_CODE
        self.endpoint = settings.ALIYUN_SMS_ENDPOINT
        self.timeout = settings.ALIYUN_SMS_TIMEOUT

    def request_params(self, message):
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(message.pk),  # lets the gateway's receipts name our message
            "PhoneNumbers": message.recipient,
            "RegionId": "cn-hangzhou",
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps({"content": message.text}, ensure_ascii=False),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "Version": API_VERSION,
        }
        params["Signature"] = sign(params, self.access_key_secret)
        return params

    def send(self, message):
        if not (self.access_key_id and self.access_key_secret):
            raise SmsSendError(
                "ALIYUN_SMS_ACCESS_KEY_ID and ALIYUN_SMS_ACCESS_KEY_SECRET are not set",
                retryable=False,
            )
        body = urllib.parse.urlencode(self.request_params(message)).encode()
        request = urllib.request.Request(  # noqa: S310 - endpoint comes from settings
            self.endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            if exc.code >= 500:
                raise SmsSendError(f"gateway HTTP {exc.code}") from exc
            return self._result(payload, http_status=exc.code)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsSendError(f"gateway unreachable: {exc}") from exc
        return self._result(payload)

    @staticmethod
    def _result(payload, http_status=200):
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise SmsSendError(f"gateway HTTP {http_status}: not JSON") from exc
        code = data.get("Code", "")
        if code == "OK":
            return str(data.get("BizId", ""))
        retryable = code in RETRYABLE_CODES or code.startswith("isp.")
        raise SmsSendError(
            f"gateway {code or 'error'}: {data.get('Message', '')}".strip(),
            retryable=retryable,
        )
