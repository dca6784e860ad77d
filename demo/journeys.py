"""One demo person's texts and attempts, built in time order: the code text, the
resends, the wrong entries and the success that led them to their final status."""

import datetime

from filings import policies
from filings.models import (
    PolicyKey,
)
from verification import messages
from verification.models import (
    Attempt,
    AttemptAction,
    AttemptReason,
    SmsKind,
    SmsMessage,
    SmsStatus,
    VerificationStatus,
    WrongPart,
)

R = AttemptReason

# Which part of a wrong entry was wrong, with its weight.
WRONG_PARTS = [
    (WrongPart.CODE, 45),
    (WrongPart.CERTIFICATE, 30),
    (WrongPart.OLD_CODE, 15),
    (WrongPart.CODE_AND_CERTIFICATE, 10),
]
DEMO_IPS = ["203.0.113.", "198.51.100.", "192.0.2."]  # documentation ranges only
DEMO_AGENTS = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/125.0 Safari/537.36",
]


class Journey:
    """One person's texts and attempts, built in time order."""

    def __init__(self, generator, filing, verification):
        self.rng = generator.rng
        self.filing = filing
        self.verification = verification
        self.texts, self.attempts = [], []
        self.failures = 0
        self.ip = self.rng.choice(DEMO_IPS) + str(self.rng.randrange(1, 255))
        self.agent = self.rng.choice(DEMO_AGENTS)
        self.channel = (
            f"p:{filing.province.pk}"
            if filing.policy in (PolicyKey.PILOT_2017, PolicyKey.PROVINCIAL_2019)
            else "central"
        )
        self.counts_any_field = (
            policies.get_policy(filing.policy).failures_count
            == policies.COUNTS_ANY_FIELD
        )

    def _between(self, start, end):
        span = max((end - start).total_seconds(), 60)
        return start + datetime.timedelta(seconds=self.rng.uniform(0, span))

    def code_text(self, when, delivered=True):
        code = f"{self.rng.randrange(10**6):06d}"
        text = SmsMessage(
            kind=SmsKind.VERIFICATION_CODE,
            sender=messages.code_sender(self.filing.policy, self.verification.mobile),
            recipient=self.verification.mobile,
            text=messages.verification_code_text(self.filing, code, when),
            status=SmsStatus.SENT if delivered else SmsStatus.FAILED,
            error="" if delivered else "isv.MOBILE_NUMBER_ILLEGAL: handset unreachable",
            sent_at=when if delivered else None,
            attempted_at=when,
            attempts=1 if delivered else 3,
            filing=self.filing,
            verification=self.verification,
        )
        text.created_at = when
        self.texts.append(text)
        if delivered and self.verification.code_delivered_at is None:
            self.verification.code_delivered_at = when

    def _attempt(self, when, action, status, reason, wrong_part="", count=None):
        attempt = Attempt(
            action=action,
            channel=self.channel,
            mobile=self.verification.mobile,
            verification=self.verification,
            status=status,
            reason=reason,
            wrong_part=wrong_part,
            consecutive_failures=count,
            ip=self.ip,
            user_agent=self.agent,
        )
        attempt.created_at = when
        self.attempts.append(attempt)
        if action == AttemptAction.VERIFY:
            first = self.verification.first_attempt_at
            self.verification.first_attempt_at = min(first or when, when)

    def resend(self, start, end, refused=False):
        when = end if refused else self._between(start, end)
        if refused:
            self._attempt(
                when, AttemptAction.RESEND, messages.RESEND_LIMIT_REACHED, R.RESEND_CAP
            )
            return
        self._attempt(when, AttemptAction.RESEND, messages.RESENT, R.RESENT)
        self.verification.resends += 1
        self.code_text(when)

    def wrong_entries(self, n, start, end, to_the_limit=False):
        moments = sorted(self._between(start, end) for _ in range(n))
        for index, when in enumerate(moments):
            part = self.rng.choices(
                [p for p, _ in WRONG_PARTS], [w for _, w in WRONG_PARTS]
            )[0]
            if part == WrongPart.OLD_CODE and not self.resent_before(when):
                part = WrongPart.CODE  # there is an old code only after a resend
            if to_the_limit and not self.counts_any_field:
                part = WrongPart.CERTIFICATE  # only wrong digits count there
            counted = self.counts_any_field or part == WrongPart.CERTIFICATE
            if not counted:
                self._attempt(
                    when,
                    AttemptAction.VERIFY,
                    messages.NOT_FOUND,
                    R.CODE_NOT_FOUND,
                    part,
                )
                continue
            self.failures += 1
            last = to_the_limit and index == n - 1
            self._attempt(
                when,
                AttemptAction.VERIFY,
                messages.FAILED_CONTACT_PROVIDER
                if last
                else messages.WRONG_INFORMATION,
                R.FAILURE_LIMIT
                if last
                else (
                    R.WRONG_CODE_OR_CERTIFICATE
                    if self.counts_any_field
                    else R.WRONG_CERTIFICATE
                ),
                part,
                self.failures,
            )

    def resent_before(self, when):
        return any(
            a.action == AttemptAction.RESEND
            and a.reason == R.RESENT
            and a.created_at < when
            for a in self.attempts
        )

    def verified(self, when):
        self.failures = 0
        self._attempt(
            when,
            AttemptAction.VERIFY,
            messages.VERIFIED_WAIT_FOR_OTHERS,
            R.VERIFIED,
        )


def first_texts(filing, submitted):
    """The notification and the codes a pending filing's people received."""
    texts = []
    pending = [
        v for v in filing.demo_verifications if v.status == VerificationStatus.PENDING
    ]
    for verification in filing.demo_verifications:
        texts.append(
            SmsMessage(
                kind=SmsKind.NOTIFICATION,
                sender=messages.provider_sender(filing.provider),
                recipient=verification.mobile,
                text=messages.order_submitted_text(filing, submitted),
                status=SmsStatus.SENT,
                created_at=submitted,
                attempted_at=submitted,
                sent_at=submitted,
                attempts=1,
                filing_id=filing.pk,
            )
        )
    for verification in pending:
        texts.append(
            SmsMessage(
                kind=SmsKind.VERIFICATION_CODE,
                sender=messages.code_sender(filing.policy, verification.mobile),
                recipient=verification.mobile,
                text=messages.verification_code_text(
                    filing, verification.demo_code, submitted
                ),
                status=SmsStatus.SENT,
                created_at=submitted,
                attempted_at=submitted,
                sent_at=submitted,
                attempts=1,
                filing_id=filing.pk,
                verification_id=verification.pk,
            )
        )
    return texts
