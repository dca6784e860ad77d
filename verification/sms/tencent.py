"""Tencent Cloud SMS (API 2021-01-11 `SendSms`) through Tencent Cloud's own SDK
(`tencentcloud-sdk-python-sms`), which signs each request (TC3-HMAC-SHA256).

Settings (from the environment): `TENCENT_SMS_SECRET_ID`, `TENCENT_SMS_SECRET_KEY`,
`TENCENT_SMS_SDK_APP_ID`, `TENCENT_SMS_SIGN_NAME`, `TENCENT_SMS_TEMPLATE_ID` (a
template whose only variable is `{1}`), `TENCENT_SMS_REGION`, `TENCENT_SMS_ENDPOINT`
(a URL) and `TENCENT_SMS_TIMEOUT` (seconds). `verification.checks` stops start-up
when one is missing.
"""

import re
import urllib.parse
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

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

VENDOR = "tencent"

#: The gateway's own receipt codes (`errmsg` of the status callback) that its
#: table of receipt codes gives, read before the carriers' codes it passes on as
#: they came (DELIVRD, UNDELIV, MK:0001...).
RECEIPT_CODES: tuple[CodeRow, ...] = (
    CodeRow("-106", ReportReason.SPAM_FILTER),
    CodeRow("002", ReportReason.POWERED_OFF),
)
# A callback's or a pull's words that are a code, not a sentence.
LOOKS_LIKE_A_CODE = re.compile(r"^[A-Za-z0-9_:.\-]{2,32}$")


def _status(value: Any) -> bool:
    if value not in ("SUCCESS", "FAIL"):
        raise ValueError("report_status is SUCCESS or FAIL")
    return bool(value == "SUCCESS")


def _mainland(country: str, mobile: str) -> str:
    """The 11 digits of a mainland number, or the number as it came (which names no
    text of ours)."""
    mobile = mobile.removeprefix("+86") if mobile.startswith("+86") else mobile
    if country not in ("", "86"):
        return f"+{country}{mobile}"[:20]
    return mobile


def receipt_from_push(item: Any) -> Receipt:
    """One report of the SMS status callback (a JSON object), as a Receipt. Raises
    ValueError when it is not one."""
    if not isinstance(item, dict):
        raise ValueError("a report is an object")
    delivered = _status(item.get("report_status"))
    mobile = _mainland(
        receipt_text(item.get("nationcode"), 8), receipt_text(item.get("mobile"), 20)
    )
    if not mobile:
        raise ValueError("no mobile")
    return Receipt(
        vendor=VENDOR,
        gateway_id=receipt_text(item.get("sid")),
        out_id="",
        mobile=mobile,
        delivered=delivered,
        code=receipt_text(item.get("errmsg"), 32),
        description=receipt_text(item.get("description"), 200),
        reported_at=gateway_time(item.get("user_receive_time")),
    )


def receipt_from_pull(status: Any) -> Receipt:
    """One PullSmsSendStatus answer (the SDK's model) as a Receipt. Raises
    ValueError when it is not one."""
    delivered = _status(status.ReportStatus)
    description = receipt_text(status.Description, 200)
    return Receipt(
        vendor=VENDOR,
        gateway_id=receipt_text(status.SerialNo),
        out_id=receipt_text(status.SessionContext, 32),
        mobile=_mainland(
            receipt_text(status.CountryCode, 8),
            receipt_text(status.SubscriberNumber, 20),
        ),
        delivered=delivered,
        code=description if LOOKS_LIKE_A_CODE.match(description) else "",
        description=description[:200],
        reported_at=gateway_time(status.UserReceiveTime),
        source="pull",
    )


# The gateway's codes (of the request, or of the one number in it) and what each
# means for the retry rules. The first row whose prefix starts the code applies.
ANSWERS: tuple[Answer, ...] = (
    Answer("LimitExceeded", DeliveryFailure.THROTTLED, True),
    Answer("RequestLimitExceeded", DeliveryFailure.THROTTLED, True),
    Answer(
        "InvalidParameterValue.IncorrectPhoneNumber",
        DeliveryFailure.INVALID_NUMBER,
        False,
    ),
    Answer(
        "FailedOperation.PhoneNumberInBlacklist", DeliveryFailure.INVALID_NUMBER, False
    ),
    Answer(
        "FailedOperation.PhoneNumberOnBlacklist", DeliveryFailure.INVALID_NUMBER, False
    ),
    Answer("InternalError", DeliveryFailure.GATEWAY_FAULT, True),
    Answer("ServerNetworkError", DeliveryFailure.GATEWAY_FAULT, True),
    # Account, signature, template, parameters, content: the same request fails again.
    Answer("AuthFailure", DeliveryFailure.REFUSED, False),
    Answer("UnauthorizedOperation", DeliveryFailure.REFUSED, False),
    Answer("FailedOperation", DeliveryFailure.REFUSED, False),
    Answer("InvalidParameter", DeliveryFailure.REFUSED, False),
    Answer("MissingParameter", DeliveryFailure.REFUSED, False),
    Answer("UnsupportedOperation", DeliveryFailure.REFUSED, False),
)
UNKNOWN = Answer("", DeliveryFailure.REFUSED, False)
# What the SDK says when nothing came back (refused connection, timeout).
NETWORK_ERRORS: set[str] = {"ClientNetworkError"}


def e164(mobile: str) -> str:
    """A mainland mobile in the format the gateway takes: +86 and the 11 digits."""
    return f"+86{mobile}"


def client(
    endpoint: str, secret_id: str, secret_key: str, region: str, timeout: float
) -> sms_client.SmsClient:
    """The SDK's client for the gateway at `endpoint` (a URL)."""
    url = urllib.parse.urlsplit(endpoint)
    # No region breaker (the SDK's default): our own retry rules try again.
    profile = ClientProfile(
        httpProfile=HttpProfile(
            protocol=url.scheme, endpoint=url.netloc, reqTimeout=timeout
        )
    )
    return sms_client.SmsClient(
        credential.Credential(secret_id, secret_key), region, profile
    )


class TencentBackend(BaseSmsBackend):
    label = _("Tencent Cloud SMS")
    vendor = VENDOR
    receipt_codes = RECEIPT_CODES
    #: A pull gives at most this many reports; we ask again while a page is full,
    #: up to PULL_PAGES times a run.
    PULL_LIMIT, PULL_PAGES = 100, 20

    @property
    def reports_delivery(self) -> bool:  # type: ignore[override]
        return bool(settings.SMS_DELIVERY_RECEIPTS)

    def __init__(self) -> None:
        self.sdk_app_id = settings.TENCENT_SMS_SDK_APP_ID
        self.sign_name = settings.TENCENT_SMS_SIGN_NAME
        self.template_id = settings.TENCENT_SMS_TEMPLATE_ID

    @staticmethod
    def client() -> sms_client.SmsClient:
        """The SDK's client, as the settings say (it refuses an empty key)."""
        return client(
            settings.TENCENT_SMS_ENDPOINT,
            settings.TENCENT_SMS_SECRET_ID,
            settings.TENCENT_SMS_SECRET_KEY,
            settings.TENCENT_SMS_REGION,
            settings.TENCENT_SMS_TIMEOUT,
        )

    def request(self, message: SmsMessage) -> models.SendSmsRequest:
        """The SDK's SendSms request for `message`."""
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [e164(message.recipient)]
        request.SmsSdkAppId = self.sdk_app_id
        request.SignName = self.sign_name
        request.TemplateId = self.template_id
        request.TemplateParamSet = [message.text]
        request.SessionContext = str(message.pk)  # the gateway's receipts carry it
        return request

    def send(self, message: SmsMessage) -> str:
        try:
            response = self.client().SendSms(self.request(message))
        except TencentCloudSDKException as exc:
            code, text = exc.get_code() or "", exc.get_message() or ""
            if code in NETWORK_ERRORS:
                raise SmsSendError(
                    f"gateway unreachable: {text}", failure=network_failure(text)
                ) from exc
            raise self._error(code, text) from exc
        statuses = response.SendStatusSet or []
        if not statuses:
            raise self._error("", "no status for the number")
        status = statuses[0]
        if status.Code == "Ok":
            return str(status.SerialNo or "")
        raise self._error(status.Code or "", status.Message or "")

    def pull_receipts(self, messages: list[SmsMessage]) -> list[Receipt]:
        """PullSmsSendStatus: the reports the gateway has not given yet, whichever
        texts they are for (it keeps them for pulling when no callback took them)."""
        found: list[Receipt] = []
        self.pull_failure = ""
        client = self.client()
        for _page in range(self.PULL_PAGES):
            request = models.PullSmsSendStatusRequest()
            request.Limit = self.PULL_LIMIT
            request.SmsSdkAppId = self.sdk_app_id
            # The gateway gives each report once: what earlier pages gave is kept
            # whatever this one answers.
            try:
                response = client.PullSmsSendStatus(request)
                statuses = list(response.PullSmsSendStatusSet or [])
            except Exception as exc:  # noqa: BLE001 - whatever the gateway answered
                self.pull_failure = repr(exc)[:200]
                break
            for status in statuses:
                try:
                    found.append(receipt_from_pull(status))
                except (ValueError, AttributeError):
                    continue
            if len(statuses) < self.PULL_LIMIT:
                break
        return found

    @staticmethod
    def _error(code: str, text: str) -> SmsSendError:
        answer = answer_for(ANSWERS, code, UNKNOWN)
        return SmsSendError(
            f"gateway {code or 'error'}: {text}".strip(),
            retryable=answer.retryable,
            failure=answer.failure,
        )
