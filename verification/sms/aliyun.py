"""Alibaba Cloud SMS (dysmsapi 2017-05-25 `SendSms`) through Alibaba Cloud's own SDK
(`alibabacloud-dysmsapi20170525`), which signs each request with the AccessKey pair.

Settings (from the environment): `ALIYUN_SMS_ACCESS_KEY_ID`,
`ALIYUN_SMS_ACCESS_KEY_SECRET`, `ALIYUN_SMS_SIGN_NAME`, `ALIYUN_SMS_TEMPLATE_CODE`
(a template whose only variable is `${content}`), `ALIYUN_SMS_ENDPOINT` (a URL) and
`ALIYUN_SMS_TIMEOUT` (seconds). `verification.checks` stops start-up when one is
missing.
"""

import json
import time
import urllib.parse
from typing import Any

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

from infra import times
from verification.models import DeliveryFailure, ReportReason, SmsMessage
from verification.sms.base import (
    Answer,
    BaseSmsBackend,
    CodeRow,
    Receipt,
    SmsSendError,
    answer_for,
    gateway_time,
    network_failure,
    receipt_text,
)

VENDOR = "aliyun"

#: The gateway's own receipt codes (`err_code` of a push, `ErrCode` of
#: QuerySendDetails), read before the carriers' codes it passes on as they came.
RECEIPT_CODES: tuple[CodeRow, ...] = (
    CodeRow("DELIVERED", ReportReason.DELIVERED),
    CodeRow("MOBILE_NOT_ON_SERVICE", ReportReason.OUT_OF_SERVICE),
    CodeRow("MOBILE_ACCOUNT_ABNORMAL", ReportReason.OUT_OF_SERVICE),
    CodeRow("MOBILE_IN_BLACK", ReportReason.BLOCKED),
    CodeRow("MOBILE_TERMINAL_ERROR", ReportReason.PHONE_FAULT),
    CodeRow("MOBILE_SEND_LIMIT", ReportReason.LIMIT),
    CodeRow("INVALID_NUMBER", ReportReason.NO_SUCH_NUMBER),
    CodeRow("CONTENT_KEYWORD", ReportReason.SPAM_FILTER),
)

# QuerySendDetails' SendStatus: 1 waiting for the carrier, 2 failed, 3 delivered.
WAITING, FAILED, DELIVERED = 1, 2, 3
# One query per text: a run stops asking after this long (the rest wait for the next
# run), so a slow gateway does not hold the sweep.
PULL_SECONDS = 30

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


def receipt_from_push(item: Any) -> Receipt:
    """One report of an SmsReport push (a JSON object), as a Receipt. Raises
    ValueError when it is not one."""
    if not isinstance(item, dict):
        raise ValueError("a report is an object")
    success = item.get("success")
    if isinstance(success, str):
        success = {"true": True, "false": False}.get(success.lower())
    if not isinstance(success, bool):
        raise ValueError("success is true or false")
    mobile = receipt_text(item.get("phone_number"), 20)
    if not (mobile.isdigit() and len(mobile) == 11):
        raise ValueError("phone_number is 11 digits")
    return Receipt(
        vendor=VENDOR,
        gateway_id=receipt_text(item.get("biz_id")),
        out_id=receipt_text(item.get("out_id")),
        mobile=mobile,
        delivered=success,
        code=receipt_text(item.get("err_code"), 32),
        description=receipt_text(item.get("err_msg"), 200),
        reported_at=gateway_time(item.get("report_time")),
    )


def _pulled(message: SmsMessage, dto: Any) -> Receipt | None:
    """One SmsSendDetailDTO of QuerySendDetails as a Receipt for `message`, or None
    when the carrier has not said yet or it is another text's. ValueError for what
    cannot be read."""
    if dto.send_status not in (FAILED, DELIVERED):
        return None  # the carrier has not said yet
    out_id = receipt_text(dto.out_id, 32)
    if out_id and out_id != str(message.pk):
        return None  # another text to the same number that day
    return Receipt(
        vendor=VENDOR,
        gateway_id=message.gateway_id,
        out_id=str(message.pk),
        mobile=message.recipient,
        delivered=dto.send_status == DELIVERED,
        code=receipt_text(dto.err_code, 32),
        description="",
        reported_at=gateway_time(dto.receive_date or dto.send_date),
        source="pull",
    )


class AliyunBackend(BaseSmsBackend):
    label = _("Alibaba Cloud SMS")
    vendor = VENDOR
    receipt_codes = RECEIPT_CODES

    @property
    def reports_delivery(self) -> bool:  # type: ignore[override]
        return bool(settings.SMS_DELIVERY_RECEIPTS)

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

    def pull_receipts(self, messages: list[SmsMessage]) -> list[Receipt]:
        """QuerySendDetails for each text: the number, the gateway's id and the day
        it was sent (Beijing time)."""
        found: list[Receipt] = []
        self.pull_failure = ""
        started = time.monotonic()
        for message in messages:
            if time.monotonic() - started > PULL_SECONDS:
                self.pull_failure = f"stopped after {PULL_SECONDS} s; the rest next run"
                break
            sent = message.sent_at or message.attempted_at or message.created_at
            request = dysmsapi.QuerySendDetailsRequest(
                phone_number=message.recipient,
                biz_id=message.gateway_id or None,
                send_date=sent.astimezone(times.BEIJING).strftime("%Y%m%d"),
                page_size=10,
                current_page=1,
            )
            # One text's refusal or odd answer does not lose the others'.
            try:
                found += self._details(message, request)
            except Exception as exc:  # noqa: BLE001 - whatever the gateway answered
                self.pull_failure = f"text {message.pk}: {exc!r}"[:200]
        return found

    def _details(
        self, message: SmsMessage, request: dysmsapi.QuerySendDetailsRequest
    ) -> list[Receipt]:
        runtime = RuntimeOptions(autoretry=False)
        try:
            response = self.client.query_send_details_with_options(request, runtime)
        except UnretryableException as exc:
            raise SmsSendError(f"gateway unreachable: {exc}") from exc
        except AlibabaCloudException as exc:
            raise self._error(
                exc.code or "", exc.message or "", exc.status_code
            ) from exc
        body = response.body
        if body.code != "OK":
            raise self._error(body.code or "", body.message or "", response.status_code)
        dtos = body.sms_send_detail_dtos
        found = []
        for dto in (dtos.sms_send_detail_dto if dtos else None) or []:
            try:
                receipt = _pulled(message, dto)
            except (ValueError, AttributeError):
                continue  # not a detail record we can read
            if receipt is not None:
                found.append(receipt)
        return found

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
