"""Add the standard answer scripts (the demo ships them) unless they exist.

The words follow the rules of the simulated verification (the domain brief): the
codes, the window, the resend cap, the failure limit and the pages' own messages."""

from django.core.management.base import BaseCommand
from django.db import transaction

from console import queue, scripts
from console.models import AnswerScript, ScriptKey

S, Q, M = ScriptKey.SITUATION, ScriptKey.QUEUE_REASON, ScriptKey.MIIT_STATUS

# (kind, key, title zh, title en, text zh, text en)
STANDARD_ANSWERS = [
    (
        S,
        "text_undelivered",
        "短信未送达",
        "The text did not arrive",
        "您好，系统显示验证码短信未能送达您的手机。请确认手机号码是否正确、手机是否开机并有"
        "信号，是否拦截了 12381 或 106 开头的短信。确认后我们为您重新发送验证码，新验证码"
        "发出后旧验证码即失效。",
        "Hello, our records show the text with your code did not reach your phone. "
        "Please check that the number is right, that the phone is on and has signal, "
        "and that texts from 12381 or numbers starting 106 are not blocked. Then we "
        "send you a new code; the old one stops working once it goes out.",
    ),
    (
        S,
        "wrong_page",
        "在错误的页面核验",
        "Verifying on the wrong page",
        "您好，您的备案需要在短信中链接的核验页面完成，而不是其他省份的页面。请打开短信里的"
        "链接，输入验证码、手机号码和证件号码后六位。",
        "Hello, your filing is verified on the page linked in the text message, not "
        "on another province's page. Please open the link in the text and enter the "
        "code, your mobile number and the last six characters of your certificate "
        "number.",
    ),
    (
        S,
        "resend_cap_reached",
        "重发次数已到上限",
        "No more resends",
        "您好，自助重发验证码最多两次，已达上限。我们可以为您再发送一次验证码（不计入次数）。"
        "请在截止时间前完成核验，否则备案申请将被退回。",
        "Hello, a code can be resent at most twice on the page, and both have been "
        "used. We can send you one more code (it is not counted). Please verify "
        "before the deadline, or the filing is returned.",
    ),
    (
        S,
        "one_failure_left",
        "只剩一次机会",
        "One try left",
        "您好，连续输错五次后备案申请会被退回，您还剩一次机会。请核对：六位验证码以最新一条"
        "短信为准，手机号码为收到短信的号码，证件号码后六位含字母时请按证件填写。",
        "Hello, after five wrong tries in a row the filing is returned, and you have "
        "one try left. Please check: the six-digit code is the one in the newest "
        "text, the mobile is the one that got it, and the last six characters of the "
        "certificate number are as printed on it, letters included.",
    ),
    (
        S,
        "deadline_soon",
        "即将超过核验时限",
        "The deadline is near",
        "您好，短信核验须在备案提交管局后 24 小时内完成，您的截止时间快到了。如您暂时无法"
        "完成，我们可以为您延长截止时间。",
        "Hello, the text verification must be done within 24 hours of the filing "
        "reaching the administration, and your deadline is near. If you cannot do it "
        "in time, we can extend the deadline for you.",
    ),
    (
        S,
        "expired",
        "超时被退回",
        "Returned: the time ran out",
        "您好，您的备案申请因未在规定时间内完成短信核验已被退回。请联系接入商重新提交，"
        "重新提交后会收到新的验证码。",
        "Hello, your filing was returned because the text verification was not done "
        "in time. Please ask your access provider to submit it again; new codes come "
        "then.",
    ),
    (
        S,
        "returned",
        "备案已退回",
        "The filing was returned",
        "您好，您的备案申请已退回接入商。请联系接入商修改后重新提交，届时需要重新进行短信"
        "核验。",
        "Hello, your filing went back to your access provider. Please ask them to "
        "correct and submit it again; you will verify by text again then.",
    ),
    (
        Q,
        queue.TEXT_FAILED,
        "短信发送失败（队列）",
        "Text not delivered (queue)",
        "您好，我们发给您的验证码短信发送失败。请确认手机号码无误，我们会马上为您重新发送。",
        "Hello, the text with your code could not be delivered. Please confirm your "
        "mobile number and we will send it again right away.",
    ),
    (
        M,
        "2",
        "状态 2：信息有误",
        "Status 2: wrong information",
        "您好，页面提示“请输入正确的信息”，说明验证码、手机号码或证件号码后六位有一项不对。"
        "请以最新短信中的验证码为准重新输入，连续输错五次备案会被退回。",
        "Hello, the page said to enter the correct information: the code, the mobile "
        "number or the last six certificate characters was wrong. Please try again "
        "with the code from the newest text; five wrong tries in a row return the "
        "filing.",
    ),
    (
        M,
        "21",
        "状态 21：核验失败",
        "Status 21: verification failed",
        "您好，连续五次输入错误，本次短信核验已失败，备案申请将退回接入商。请联系接入商重新"
        "提交备案，重新提交后会收到新的验证码。",
        "Hello, after five wrong tries in a row the verification failed and the "
        "filing goes back to your access provider. Please ask them to submit it "
        "again; a new code comes then.",
    ),
    (
        M,
        "31",
        "状态 31：等待其他人核验",
        "Status 31: waiting for the others",
        "您好，您本人的短信核验已经完成。本次备案还需要其他负责人完成核验，全部完成后将提交"
        "管局审核。",
        "Hello, your own verification is done. Someone else on the filing still has "
        "to verify; once everyone has, it goes to the communications administration "
        "for review.",
    ),
    (
        M,
        "102",
        "状态 102：重发已达上限",
        "Status 102: resend limit reached",
        "您好，页面提示重发次数已到上限。请使用最近一条短信中的验证码完成核验；如确实没有"
        "收到，我们可以为您再发送一次。",
        "Hello, the page said the resend limit is reached. Please use the code from "
        "the latest text; if it truly never came, we can send one more for you.",
    ),
]


def add_standard_answers():
    """Create the standard answer scripts missing by their key and English title;
    return how many were added."""
    added = 0
    with transaction.atomic():
        for kind, key, title_zh, title_en, text_zh, text_en in STANDARD_ANSWERS:
            if AnswerScript.objects.filter(
                key_kind=kind, key=key, title_en=title_en
            ).exists():
                continue
            scripts.save_script(
                AnswerScript(
                    key_kind=kind,
                    key=key,
                    title_zh=title_zh,
                    title_en=title_en,
                    text_zh=text_zh,
                    text_en=text_en,
                ),
                None,
            )
            added += 1
    return added


class Command(BaseCommand):
    help = "Add the standard answer scripts (a dozen, in Chinese and English)."

    def handle(self, *args, **options):
        added = add_standard_answers()
        self.stdout.write(f"{added} answer scripts added.")
