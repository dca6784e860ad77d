"""Alibaba Cloud SMS (dysmsapi 2017-05-25 `SendSms`) through Alibaba Cloud's own SDK
(`alibabacloud-dysmsapi20170525`), which signs each request with the AccessKey pair.

Settings (from the environment): `ALIYUN_SMS_ACCESS_KEY_ID`,
`ALIYUN_SMS_ACCESS_KEY_SECRET`, `ALIYUN_SMS_SIGN_NAME`, `ALIYUN_SMS_TEMPLATE_CODE`
(a template whose only variable is `${content}`), `ALIYUN_SMS_ENDPOINT` (a URL) and
`ALIYUN_SMS_TIMEOUT` (seconds). `verification.checks` stops start-up when one is
missing.
"""

import json
import urllib.parse

from alibabacloud_dysmsapi20170525 import models as dysmsapi
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.exceptions import (
    AlibabaCloudException,
    ServerException,
    ThrottlingException,
)
from darabonba.exceptions import UnretryableException
from darabonba.runtime import RuntimeOptions
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from verification.models import DeliveryFailure, SmsMessage
from verification.sms.base import (
    Answer,
    BaseSmsBackend,
    SmsSendError,
    answer_for,
    network_failure,
)

# The gateway's codes (in the answer's body, or of an HTTP error) and what each means
# for the retry rules. The first row whose prefix starts the code applies.
ANSWERS: tuple[Answer, ...] = (
    Answer("isv.BUSINESS_LIMIT_CONTROL", DeliveryFailure.THROTTLED, True),
    Answer("isv.DAY_LIMIT_CONTROL", DeliveryFailure.THROTTLED, True),
    Answer("Throttling", DeliveryFailure.THROTTLED, True),
    Answer("isv.MOBILE_NUMBER_ILLEGAL", DeliveryFailure.INVALID_NUMBER, False),
    Answer("isv.MOBILE_COUNT_OVER_LIMIT", DeliveryFailure.INVALID_NUMBER, False),
    Answer("isv.BLACK_KEY_CONTROL_LIMIT", DeliveryFailure.INVALID_NUMBER, False),
    Answer("isp.", DeliveryFailure.GATEWAY_FAULT, True),
    Answer("ServiceUnavailable", DeliveryFailure.GATEWAY_FAULT, True),
    Answer("InternalError", DeliveryFailure.GATEWAY_FAULT, True),
    # Account, signature, template, parameters: the same request fails again.
    Answer("isv.", DeliveryFailure.REFUSED, False),
    Answer("InvalidAccessKeyId", DeliveryFailure.REFUSED, False),
    Answer("SignatureDoesNotMatch", DeliveryFailure.REFUSED, False),
    Answer("Forbidden", DeliveryFailure.REFUSED, False),
    Answer("MissingParameter", DeliveryFailure.REFUSED, False),
)
UNKNOWN = Answer("", DeliveryFailure.REFUSED, False)
# For a code not in the table, by the kind of HTTP error the SDK raised.
DEFAULTS: tuple[tuple[type[AlibabaCloudException], Answer], ...] = (
    (ThrottlingException, Answer("", DeliveryFailure.THROTTLED, True)),
    (ServerException, Answer("", DeliveryFailure.GATEWAY_FAULT, True)),
)


def client_config(
    endpoint: str, access_key_id: str, access_key_secret: str, timeout: float
) -> utils_models.Config:
    """The SDK's configuration for the gateway at `endpoint` (a URL)."""
    url = urllib.parse.urlsplit(endpoint)
    milliseconds = max(1, int(timeout * 1000))
    return utils_models.Config(
        access_key_id=access_key_id,
        access_key_secret=access_key_secret,
        endpoint=url.netloc,
        protocol=url.scheme,
        region_id="cn-hangzhou",
        connect_timeout=milliseconds,
        read_timeout=milliseconds,
    )


class AliyunBackend(BaseSmsBackend):
    label = _("Alibaba Cloud SMS")

    def __init__(self) -> None:
        self.sign_name = settings.ALIYUN_SMS_SIGN_NAME
        self.template_code = settings.ALIYUN_SMS_TEMPLATE_CODE
        self.client = Client(
            client_config(
                settings.ALIYUN_SMS_ENDPOINT,
                settings.ALIYUN_SMS_ACCESS_KEY_ID,
                settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
                settings.ALIYUN_SMS_TIMEOUT,
            )
        )

    def request(self, message: SmsMessage) -> dysmsapi.SendSmsRequest:
        """The SDK's SendSms request for `message`."""
        return dysmsapi.SendSmsRequest(
            phone_numbers=message.recipient,  # 11 digits: mainland numbers only
            sign_name=self.sign_name,
            template_code=self.template_code,
            template_param=json.dumps({"content": message.text}, ensure_ascii=False),
            out_id=str(message.pk),  # lets the gateway's receipts name our message
        )

    def send(self, message: SmsMessage) -> str:
        # Our own retry rules decide when to try again (tasks.deliver_sms).
        runtime = RuntimeOptions(autoretry=False)
        try:
            response = self.client.send_sms_with_options(self.request(message), runtime)
        except UnretryableException as exc:
            text = str(exc)
            raise SmsSendError(
                f"gateway unreachable: {text}", failure=network_failure(text)
            ) from exc
        except AlibabaCloudException as exc:
            default = next(
                (row for kind, row in DEFAULTS if isinstance(exc, kind)), UNKNOWN
            )
            # The SDK writes a missing code as "None".
            code = "" if exc.code in (None, "None") else exc.code
            raise self._error(
                code, exc.message or "", exc.status_code, default
            ) from exc
        body = response.body
        if body.code == "OK":
            return str(body.biz_id or "")
        raise self._error(body.code or "", body.message or "", response.status_code)

    @staticmethod
    def _error(
        code: str, text: str, http_status: int | None, default: Answer = UNKNOWN
    ) -> SmsSendError:
        answer = answer_for(ANSWERS, code, default)
        return SmsSendError(
            f"gateway {code or f'HTTP {http_status}'}: {text}".strip(),
            retryable=answer.retryable,
            failure=answer.failure,
        )
