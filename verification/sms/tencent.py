"""Tencent Cloud SMS (API 2021-01-11 `SendSms`) through Tencent Cloud's own SDK
(`tencentcloud-sdk-python-sms`), which signs each request (TC3-HMAC-SHA256).

Settings (from the environment): `TENCENT_SMS_SECRET_ID`, `TENCENT_SMS_SECRET_KEY`,
`TENCENT_SMS_SDK_APP_ID`, `TENCENT_SMS_SIGN_NAME`, `TENCENT_SMS_TEMPLATE_ID` (a
template whose only variable is `{1}`), `TENCENT_SMS_REGION`, `TENCENT_SMS_ENDPOINT`
(a URL) and `TENCENT_SMS_TIMEOUT` (seconds). `verification.checks` stops start-up
when one is missing.
"""

import urllib.parse

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
    TencentCloudSDKException,
)
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from verification.models import DeliveryFailure, SmsMessage
from verification.sms.base import (
    Answer,
    BaseSmsBackend,
    SmsSendError,
    answer_for,
    network_failure,
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

    @staticmethod
    def _error(code: str, text: str) -> SmsSendError:
        answer = answer_for(ANSWERS, code, UNKNOWN)
        return SmsSendError(
            f"gateway {code or 'error'}: {text}".strip(),
            retryable=answer.retryable,
            failure=answer.failure,
        )
