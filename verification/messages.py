"""What the verification pages answer, what the text messages say, and who sends them.

The status sentences are the MIIT page's own Chinese text with Alibaba Cloud's English
wording (domain brief, "What the verification page answers").
"""

import datetime
import math
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from phonenumbers import carrier

from filings import policies
from filings.models import FilingApplication, Provider

PREFIX_ZH = "尊敬的ICP用户："
PREFIX_EN = "Dear ICP user: "


@dataclass(frozen=True)
class Answer:
    status: int
    zh: str
    en: str

    def text(self, language: str = "zh-hans") -> str:
        """The sentence with the page's "Dear ICP user" prefix, in `language`."""
        if language.startswith("en"):
            return PREFIX_EN + self.en
        return PREFIX_ZH + self.zh


# Status codes of the verify page.
VERIFIED_ALL = 3
VERIFIED_WAIT_FOR_OTHERS = 31
ALREADY_VERIFIED = 20
NOT_FOUND = 4
WRONG_INFORMATION = 2
FAILED_CONTACT_PROVIDER = 21
FAILED_TRY_AGAIN = 0

VERIFY_ANSWERS: dict[int, Answer] = {
    a.status: a
    for a in [
        Answer(
            3,
            "您的短信核验已全部完成,该请求将提交管局审核。",
            "Your text message validation is complete. This request will be "
            "submitted to the communications administration for review.",
        ),
        Answer(
            31,
            "您的短信核验完成,请等待其他核验人进行短信核验。",
            "Your text message validation is complete. Please wait for other "
            "personnel to complete their text message validation.",
        ),
        Answer(
            20,
            "您的短信核验已完成，无需重复提交。",
            "Your text message validation is already complete. There is no need to "
            "submit it again.",
        ),
        Answer(
            4,
            "该条验证库里找不到记录或已完成验证。",
            "The record cannot be found in the validation database or the "
            "validation is already complete.",
        ),
        Answer(
            2,
            "您的短信核验失败,请输入正确的信息。",
            "Your text message validation failed. Please enter the correct "
            "information.",
        ),
        Answer(
            21,
            "您的短信核验失败,请联系接入商查询核验结果。",
            "Your text message validation failed. Please contact your access "
            "provider for the result.",
        ),
        Answer(
            0,
            "您的短信核验失败,请您重新验证。",
            "Your text message validation failed. Please try again.",
        ),
    ]
}

# Status codes of the resend page.
RESENT = 101
NOTHING_PENDING = 100
RESEND_LIMIT_REACHED = 102
RESEND_NOT_FOUND = 4

RESEND_ANSWERS: dict[int, Answer] = {
    a.status: a
    for a in [
        Answer(
            101,
            "您的短信验证码已重发成功，请查看手机并尽快完成短信核验。",
            "Your text message verification code has been resent successfully. "
            "Please check your mobile phone and complete the text message "
            "validation as soon as possible.",
        ),
        Answer(
            100,
            "您暂无待短信核验的备案申请，无需重发短信。",
            "You have no pending ICP filing applications that require text message "
            "validation. You do not need to resend the text message.",
        ),
        Answer(
            102,
            "重发次数已到上限，若不能及时完成短信核验，您的备案申请将会被退回。",
            "The resend limit has been reached. If the text message validation is "
            "not completed in time, your ICP filing application will be returned.",
        ),
        Answer(
            4,
            "验证库中无此记录。",
            "The record cannot be found in the validation database.",
        ),
    ]
}

CHINA_TELECOM = "China Telecom"
CHINA_UNICOM = "China Unicom"
CHINA_MOBILE = "China Mobile"

# Sender numbers of the pilot and provincial policies, by carrier.
CARRIER_SENDERS: dict[str, str] = {
    CHINA_TELECOM: "106598051001",
    CHINA_UNICOM: "10655113",
    CHINA_MOBILE: "106575000130",
}
# Virtual-operator ranges phonenumbers does not name, mapped to the host network.
VIRTUAL_RANGE_HOSTS: dict[str, str] = {"162": CHINA_TELECOM, "165": CHINA_MOBILE}
# China Broadnet (192) shares China Mobile's network.
CARRIER_HOSTS: dict[str, str] = {"China Broadnet": CHINA_MOBILE}
MIIT_SENDER = "12381"


def host_carrier(mobile: str) -> str:
    """The carrier whose network delivers to `mobile`: one of CARRIER_SENDERS' keys."""
    name = carrier.name_for_number(phonenumbers.parse(mobile, "CN"), "en")
    name = CARRIER_HOSTS.get(name, name)
    if name in CARRIER_SENDERS:
        return name
    # Unknown or unnamed (virtual) ranges: their host network, China Mobile by default.
    return VIRTUAL_RANGE_HOSTS.get(mobile[:3], CHINA_MOBILE)


def code_sender(policy_key: str, mobile: str) -> str:
    """The number a verification code under `policy_key` comes from."""
    policy = policies.get_policy(policy_key)
    if policy.sender == policies.SENDER_12381:
        return MIIT_SENDER
    return CARRIER_SENDERS[host_carrier(mobile)]


def verification_page_url(filing: FilingApplication) -> str:
    """This system's own verification page for `filing` (provincial or central)."""
    base = settings.SITE_URL.rstrip("/")
    if policies.get_policy(filing.policy).is_provincial:
        return f"{base}/p/{filing.province_id}/verify/"
    return f"{base}/verify/"


def hours_left(deadline: datetime.datetime, now: datetime.datetime) -> int:
    """Whole hours until `deadline`, rounded up, at least 1."""
    return max(1, math.ceil((deadline - now).total_seconds() / 3600))


def verification_code_text(
    filing: FilingApplication, code: str, now: datetime.datetime
) -> str:
    """The text of a verification-code SMS."""
    # A code is sent only while the filing waits for verification: it has a deadline.
    assert filing.verification_deadline is not None
    hours = hours_left(filing.verification_deadline, now)
    return (
        f"【ICP备案短信核验·模拟】您的ICP备案短信核验验证码为{code}，"
        f"{hours}小时内有效。请访问 {verification_page_url(filing)} "
        f"输入验证码、手机号码和证件号码后6位完成核验。"
        f"本短信由培训模拟系统发送，非工信部官方短信，请勿向他人透露验证码。"
    )


def order_submitted_text(filing: FilingApplication, now: datetime.datetime) -> str:
    """The provider's "your order was submitted" notification."""
    provider = filing.provider
    province = filing.province.name_zh
    text = (
        f"【{provider.sms_signature or provider.name_zh}】尊敬的用户，您的ICP备案订单"
        f"{filing.reference}已提交至{province}通信管理局。"
    )
    if filing.verification_deadline:
        hours = hours_left(filing.verification_deadline, now)
        text += f"您将收到短信核验验证码，请在{hours}小时内完成短信核验，逾期备案申请将被退回。"
    else:
        text += "本次申请无需短信核验，请等待管局审核。"
    return text + "（模拟环境）"


def verification_failed_text(filing: FilingApplication, limit: int) -> str:
    """The text telling a person that their verification failed for good."""
    return (
        f"【ICP备案短信核验·模拟】您的ICP备案短信核验因连续{limit}次输入错误已失败，"
        f"备案申请已退回接入商{filing.provider.name_zh}。如非本人操作，请联系接入商。"
        f"本短信由培训模拟系统发送，非工信部官方短信。"
    )


def provider_sender(provider: Provider) -> str:
    """The number a provider's notifications come from."""
    return provider.sms_sender or provider.code


def throttled_text(retry_after: float, language: str = "zh-hans") -> str:
    """The plain message for a request over a throttle limit."""
    minutes = max(1, math.ceil(retry_after / 60))
    if language.startswith("en"):
        return (
            f"Too many attempts. Please try again in {minutes} minute"
            f"{'s' if minutes != 1 else ''}."
        )
    return f"操作过于频繁，请{minutes}分钟后再试。"
