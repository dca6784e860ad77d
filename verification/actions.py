"""The verification engine: verifying and resending, and the staff's actions.

`verify` and `resend` take what a person typed on a channel's page and return an
`Outcome` whose `status` is a code of the MIIT page (see `verification.messages`).
Every call is recorded as an `Attempt`; the code and the certificate digits typed are
never stored or logged.

Locking: a call locks the filings concerned first, then their verification rows, the
same order the filing transitions and the deadline sweep use, so they cannot deadlock.
"""

import datetime
import enum
import functools
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal, cast

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone

from filings import policies, transitions
from filings.models import (
    EventType,
    FilingStatus,
    PolicyKey,
)
from filings.validators import normalize_mobile
from infra.sql import Writes, insert
from verification import codes, contact_checks, messages, moves, statements, throttles
from verification.models import (
    SUBMISSION_TOKEN_LENGTH,
    Attempt,
    AttemptAction,
    AttemptReason,
    SmsKind,
    Verification,
    VerificationStatus,
    WrongPart,
)
from verification.outcomes import OutcomeWrites

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)
R = AttemptReason

PROVINCIAL_POLICIES: list[PolicyKey] = [PolicyKey.PILOT_2017, PolicyKey.PROVINCIAL_2019]
CENTRAL_POLICIES: list[PolicyKey] = [PolicyKey.MIIT_2020, PolicyKey.MIIT_CURRENT]


@dataclass(frozen=True)
class Channel:
    """Where a person verifies: the central MIIT page, or one province's page."""

    province: str = ""

    @property
    def name(self) -> str:
        return f"p:{self.province}" if self.province else "central"

    @property
    def policies(self) -> list[PolicyKey]:
        """The policies of the filings this channel serves."""
        return PROVINCIAL_POLICIES if self.province else CENTRAL_POLICIES


CENTRAL = Channel()


class SentAgain(Exception):
    """The form behind this call (its one-time token) was processed already: nothing
    was done this time."""


def submission_processed(token: str) -> bool:
    """Whether a call with this one-time form token was processed (its attempt is on
    record)."""
    return bool(token) and Attempt.objects.filter(submission=token).exists()


def _once(token: str | None) -> str:
    """A usable one-time token: empty if there is none or it is too long to keep."""
    return token if token and len(token) <= SUBMISSION_TOKEN_LENGTH else ""


@dataclass
class Outcome:
    """The answer to one verify or resend request."""

    action: str
    status: int | None
    throttled: throttles.Throttled | None = None
    verifications: list[Verification] = field(default_factory=list)
    # A contact check's answer (`contact_checks.Confirmed`), when the code was one.
    contact_check: str | None = None

    def text(self, language: str = "zh-hans") -> str:
        """What the page shows: the status sentence, the contact check's answer, or
        the throttle message."""
        if self.throttled:
            return messages.throttled_text(self.throttled.retry_after, language)
        if self.contact_check:
            return contact_checks.answer_text(self.contact_check, language)[1]
        answer = self.answer
        assert answer is not None  # only a throttled outcome has no status
        return answer.text(language)

    @property
    def answer(self) -> messages.Answer | None:
        if self.status is None:
            return None
        table = (
            messages.VERIFY_ANSWERS
            if self.action == AttemptAction.VERIFY
            else messages.RESEND_ANSWERS
        )
        return table[self.status]


def _normalized_mobile(value: object) -> str:
    try:
        return normalize_mobile(value)
    except ValidationError:
        return ""


def _normalized_digits(value: object, length: int) -> str:
    """Typed digits (full-width folded, spaces dropped, upper-cased), or ""."""
    if not isinstance(value, str):
        return ""
    text = "".join(unicodedata.normalize("NFKC", value).split()).upper()
    return text if len(text) == length and text.isascii() else ""


@dataclass(frozen=True)
class Asked:
    """One request to a verify or resend page: what its attempt records beside the
    answer."""

    action: str
    channel: Channel
    mobile: str
    ip: str | None = None
    user_agent: str = ""
    submission: str = ""


@dataclass
class Answer:
    """What the engine answered a request, as its attempt records it."""

    status: int | None
    reason: str
    match: Verification | None = None
    wrong_part: str = ""
    consecutive_failures: int | None = None


def _record(asked: Asked, answer: Answer, writes: Writes | None = None) -> None:
    """Record the attempt: added to `writes` (a write buffer) if given, else now."""
    logger.info(
        "%s on %s: %s (%s)",
        asked.action,
        asked.channel.name,
        answer.status,
        answer.reason,
    )
    (writes.insert if writes else insert)(
        Attempt(
            action=asked.action,
            channel=asked.channel.name,
            mobile=asked.mobile,
            verification=answer.match,
            status=answer.status,
            reason=answer.reason,
            wrong_part=answer.wrong_part,
            consecutive_failures=answer.consecutive_failures,
            ip=asked.ip or None,
            user_agent=(asked.user_agent or "")[:512],
            submission=asked.submission,
        )
    )


def record_wrong_picture(
    action: str,
    channel: Channel,
    mobile: str,
    *,
    ip: str | None = None,
    user_agent: str = "",
) -> None:
    """Record a form refused for wrong picture characters, so staff can see it.

    Nothing is checked or counted: the page has already asked for the picture again.
    """
    asked = Asked(action, channel, _normalized_mobile(mobile), ip, user_agent)
    _record(asked, Answer(None, R.WRONG_PICTURE, wrong_part=WrongPart.PICTURE))


def _throttle(asked: Asked) -> Outcome | None:
    """Count the request; if it is over a limit, record it and return the Outcome."""
    throttled = throttles.hit(asked.action, mobile=asked.mobile, ip=asked.ip)
    if not throttled:
        return None
    _record(asked, Answer(None, R.throttled(throttled.scope)))
    return Outcome(asked.action, None, throttled=throttled)


def _processed_once[**P](function: Callable[P, Outcome]) -> Callable[P, Outcome]:
    """`function` (verify, resend), processed once per one-time form token, its
    `submission` keyword (empty, or too long to keep: no token). When the attempt
    cannot be written because the token's is on record already, the call raises
    SentAgain, what it did rolled back."""
    # A signature with `submission` taken out of P cannot be written; the wrapper
    # passes everything else on as it came.
    call: Callable[..., Outcome] = function

    @functools.wraps(function)
    def once(*args: Any, submission: str = "", **kwargs: Any) -> Outcome:
        submission = _once(submission)
        try:
            return call(*args, submission=submission, **kwargs)
        except IntegrityError:
            if submission_processed(submission):
                raise SentAgain from None
            raise

    return cast(Callable[P, Outcome], once)  # takes what `function` takes


class _NotLooked(enum.Enum):
    """A sentinel of its own type, so that `latest is NOT_LOOKED` narrows `latest`."""

    NOT_LOOKED = "not looked"


# The latest verification was not looked for (something was pending).
NOT_LOOKED: Final = _NotLooked.NOT_LOOKED

# A mobile's newest verification (None: it has none), or NOT_LOOKED.
Latest = Verification | None | Literal[_NotLooked.NOT_LOOKED]


def _lock_live(
    channel: Channel,
    mobile: str,
    now: datetime.datetime,
    *,
    with_latest: bool = False,
    only_filing: int | None = None,
) -> tuple[list[Verification], list[Verification], Latest]:
    """Lock the pending verifications of `mobile` on `channel` and their filings.

    Overdue ones are expired on the spot (their filings are returned) even if the
    deadline sweep has not run. Returns (live verifications, expired ones, latest).
    Each live verification carries `siblings`, every verification of its filing as
    locked here. `latest` is, `with_latest` and nothing pending, the mobile's newest
    verification (or None), read in the same statement; else NOT_LOOKED.
    `only_filing` (a filing's id) leaves every other filing as it is, overdue or not.
    """
    db = connections[DEFAULT_DB_ALIAS]
    path = statements.for_connection(db)
    latest: Latest = NOT_LOOKED
    if with_latest:
        pending, latest = path.lock_pending_or_latest(
            db, mobile, channel.policies, channel.province
        )
        latest = NOT_LOOKED if pending else latest
    else:
        pending = path.lock_pending(db, mobile, channel.policies, channel.province)
    live: list[Verification] = []
    expired: list[Verification] = []
    for filing, verifications in pending:
        if filing.status != FilingStatus.PENDING_VERIFICATION:
            continue
        if only_filing is not None and filing.pk != only_filing:
            continue
        mine = [
            v
            for v in verifications
            if v.mobile == mobile and v.status == VerificationStatus.PENDING
        ]
        for verification in mine:
            verification.siblings = verifications
        assert filing.verification_deadline is not None  # it is pending verification
        if filing.verification_deadline <= now:
            moves.expire_filing(filing, now=now)
            expired.extend(mine)
        else:
            live.extend(mine)
    return live, expired, latest


def _is_person(verification: Verification, cert: str) -> bool:
    """Whether `cert` is the certificate tail of (one of) this verification's person."""
    return codes.certificate_matches(verification.certificate_hashes, cert)


def _answer_without_pending(
    channel: Channel,
    mobile: str,
    code: str,
    cert: str,
    expired: list[Verification],
    latest: Latest,
) -> Answer:
    """The answer for a mobile with nothing pending: 21, 20, 0 or 4. `latest` is its
    newest verification, or NOT_LOOKED."""
    if expired:
        return Answer(messages.FAILED_CONTACT_PROVIDER, R.EXPIRED, expired[0])
    if latest is NOT_LOOKED:
        db = connections[DEFAULT_DB_ALIAS]
        latest = statements.for_connection(db).latest(
            db, mobile, channel.policies, channel.province
        )
    if latest is None:
        return Answer(messages.NOT_FOUND, R.NO_VERIFICATION, None)
    if latest.status in (VerificationStatus.FAILED, VerificationStatus.EXPIRED):
        return Answer(messages.FAILED_CONTACT_PROVIDER, R.after(latest.status), latest)
    if latest.status == VerificationStatus.CANCELLED:
        return Answer(messages.FAILED_TRY_AGAIN, R.CANCELLED, latest)
    if codes.code_matches(latest.code_hash, code) and _is_person(latest, cert):
        return Answer(messages.ALREADY_VERIFIED, R.ALREADY_VERIFIED, latest)
    return Answer(messages.NOT_FOUND, R.WRONG_AFTER_VERIFIED, latest)


def _wrong_part(verification: Verification, code: str, cert: str) -> WrongPart:
    """Which part of an entry that matched nothing was wrong, for this person."""
    code_right = bool(code) and codes.code_matches(verification.code_hash, code)
    if code_right:
        return WrongPart.CERTIFICATE
    old_code = bool(code) and codes.code_matches(verification.previous_code_hash, code)
    if _is_person(verification, cert):
        return WrongPart.OLD_CODE if old_code else WrongPart.CODE
    return WrongPart.CODE_AND_CERTIFICATE


def _mark_verified(
    verification: Verification, now: datetime.datetime, writes: OutcomeWrites
) -> int:
    """A right code: the person's row and event, and, when everyone has verified, the
    filing's move to review after them (`OutcomeWrites`)."""
    statements.for_connection(writes.db).mark_verified(writes.person, verification, now)
    verification.status = VerificationStatus.VERIFIED
    transitions.record_event(
        verification.filing,
        transitions.APPLICANT,
        EventType.VERIFIED,
        data={"verification": verification.pk, "roles": verification.roles},
        writes=writes.person,
    )
    if all(v.status == VerificationStatus.VERIFIED for v in verification.siblings):
        writes.then(
            functools.partial(
                moves.complete_verification,
                verification.filing,
                locked_verifications=verification.siblings,
            )
        )
        return messages.VERIFIED_ALL
    return messages.VERIFIED_WAIT_FOR_OTHERS


def _policy_counts(verification: Verification) -> str:
    return policies.get_policy(verification.filing.policy).failures_count


def _counts(verification: Verification, code: str) -> bool:
    """Whether a wrong entry counts toward this verification's failure limit: under
    the MIIT rule any wrong field does; under the provincial rules only wrong
    certificate digits with the right code."""
    if _policy_counts(verification) == policies.COUNTS_ANY_FIELD:
        return True
    return bool(code) and codes.code_matches(verification.code_hash, code)


def _count_failure(
    live: list[Verification], now: datetime.datetime, writes: OutcomeWrites
) -> list[Verification]:
    """One more failed attempt on each live verification; those at the limit fail
    (their filings returned, after the person's writes: `OutcomeWrites`)."""
    failed = []
    for verification in live:
        verification.failed_attempts += 1
        limit = policies.get_policy(verification.filing.policy).failure_limit
        if verification.failed_attempts < limit:
            statements.for_connection(writes.db).count_failed_attempt(
                writes.person, verification, now
            )
        else:
            writes.then(functools.partial(_fail, verification, limit))
            failed.append(verification)
    return failed


def _fail(verification: Verification, limit: int) -> None:
    """Fail a verification at the limit (the count and the failure in one
    statement) and tell its owner."""
    moves.fail_verification(
        verification.filing,
        verification,
        locked_verifications=verification.siblings,
    )
    # The owner learns it from the system, not from whoever was guessing.
    codes.queue_sms(
        kind=SmsKind.NOTIFICATION,
        sender=messages.code_sender(verification.filing.policy, verification.mobile),
        recipient=verification.mobile,
        text=messages.verification_failed_text(verification.filing, limit),
        filing=verification.filing,
        verification=verification,
    )


@_processed_once
def verify(  # noqa: PLR0913 - the page's fields, and where they came from
    channel: Channel,
    mobile: str,
    code: str,
    cert_last6: str,
    *,
    ip: str | None = None,
    user_agent: str = "",
    now: datetime.datetime | None = None,
    submission: str = "",
    sandbox_filing: int | None = None,
) -> Outcome:
    """Check a code typed on `channel`'s verify page; return an Outcome (3, 31, 20, 4,
    2, 21 or 0; or throttled).

    `submission` is the form's one-time token: a second call with the same one is
    not processed and raises SentAgain. `sandbox_filing` is for the sandbox's magic
    applicants (`verification.sandbox`), acting on that filing (an id) alone: no
    other filing of the number is touched, and no page's throttle counts them.
    """
    now = now or timezone.now()
    asked = Asked(
        AttemptAction.VERIFY,
        channel,
        _normalized_mobile(mobile),
        ip,
        user_agent,
        submission,
    )
    code = _normalized_digits(code, codes.CODE_LENGTH)
    cert = _normalized_digits(cert_last6, 6)

    if sandbox_filing is None and (before := _before_filings(asked, code, cert, now)):
        return before

    with transaction.atomic():
        live, expired, latest = (
            _lock_live(
                channel, asked.mobile, now, with_latest=True, only_filing=sandbox_filing
            )
            if asked.mobile
            else ([], [], None)
        )
        if not live:
            return _nothing_live(
                asked, code, cert, expired, latest, now, sandbox=sandbox_filing
            )
        writes = OutcomeWrites()
        answer, matched = _check(live, code, cert, now, writes)
        _record(asked, answer, writes.person)
        writes.send()
    return Outcome(asked.action, answer.status, verifications=matched)


def _before_filings(
    asked: Asked, code: str, cert: str, now: datetime.datetime
) -> Outcome | None:
    """The outcome of an entry answered before any filing is looked at: held back by
    a throttle, or a contact check's right code (throttled like any entry: a filing
    of the same mobile would count it as a wrong code). None: go on to the filings."""
    if throttled := _throttle(asked):
        return throttled
    if asked.mobile and (
        confirmed := contact_checks.confirm(
            asked.mobile, code, cert, now, only_if_right=True
        )
    ):
        return Outcome(asked.action, None, contact_check=confirmed)
    return None


def _nothing_live(  # noqa: PLR0913 - what the entry held, and what was found
    asked: Asked,
    code: str,
    cert: str,
    expired: list[Verification],
    latest: Latest,
    now: datetime.datetime,
    *,
    sandbox: int | None = None,
) -> Outcome:
    """The outcome of an entry for a mobile with nothing pending, recorded; a wrong
    entry may be meant for the mobile's contact check, which counts it (not a
    sandbox applicant's: `sandbox`, their filing, is no longer waiting)."""
    answer = (
        _answer_without_pending(
            asked.channel, asked.mobile, code, cert, expired, latest
        )
        if asked.mobile
        else Answer(messages.NOT_FOUND, R.INVALID_MOBILE)
    )
    _record(asked, answer)
    checked = (
        contact_checks.confirm(asked.mobile, code, cert, now)
        if sandbox is None and asked.mobile and answer.status == messages.NOT_FOUND
        else None
    )
    return Outcome(
        asked.action,
        answer.status,
        verifications=[answer.match] if answer.match else [],
        contact_check=checked,
    )


def _check(
    live: list[Verification],
    code: str,
    cert: str,
    now: datetime.datetime,
    writes: OutcomeWrites,
) -> tuple[Answer, list[Verification]]:
    """The answer to a code and digits typed for a mobile with `live` verifications,
    its writes added to `writes`; and the verifications it concerns."""
    match = next(
        (
            v
            for v in live
            if code and codes.code_matches(v.code_hash, code) and _is_person(v, cert)
        ),
        None,
    )
    if match:
        status = _mark_verified(match, now, writes)
        return Answer(status, R.VERIFIED, match), [match]
    counted = [v for v in live if _counts(v, code)]
    if not counted:
        # The provincial rules: a code that matches no record of this mobile is
        # "not found", and not a failed attempt.
        Verification.objects.filter(
            pk__in=[v.pk for v in live], first_attempt_at__isnull=True
        ).update(first_attempt_at=now)
        return Answer(
            messages.NOT_FOUND,
            R.CODE_NOT_FOUND,
            live[0] if len(live) == 1 else None,
            _wrong_part(live[0], code, cert),
        ), live
    wrong_part = _wrong_part(counted[0], code, cert)
    failed = _count_failure(counted, now, writes)
    if failed:
        status, reason = messages.FAILED_CONTACT_PROVIDER, R.FAILURE_LIMIT
    elif _policy_counts(counted[0]) == policies.COUNTS_CERTIFICATE_DIGITS:
        status, reason = messages.WRONG_INFORMATION, R.WRONG_CERTIFICATE
    else:
        status, reason = messages.WRONG_INFORMATION, R.WRONG_CODE_OR_CERTIFICATE
    matched = failed or counted
    return Answer(
        status,
        reason,
        matched[0] if len(matched) == 1 else None,
        wrong_part,
        counted[0].failed_attempts,
    ), matched


@_processed_once
def resend(  # noqa: PLR0913 - the page's fields, and where they came from
    channel: Channel,
    mobile: str,
    cert_last6: str,
    *,
    ip: str | None = None,
    user_agent: str = "",
    now: datetime.datetime | None = None,
    submission: str = "",
    sandbox_filing: int | None = None,
) -> Outcome:
    """Send a new code to a person with a pending verification on `channel`; return an
    Outcome (101, 100, 102 or 4; or throttled).

    `submission` is the form's one-time token: a second call with the same one is
    not processed and raises SentAgain. `sandbox_filing`: as for `verify`.
    """
    now = now or timezone.now()
    asked = Asked(
        AttemptAction.RESEND,
        channel,
        _normalized_mobile(mobile),
        ip,
        user_agent,
        submission,
    )
    cert = _normalized_digits(cert_last6, 6)

    if sandbox_filing is None and (throttled := _throttle(asked)):
        return throttled

    with transaction.atomic():
        live, _, _ = (
            _lock_live(channel, asked.mobile, now, only_filing=sandbox_filing)
            if asked.mobile
            else ([], [], None)
        )
        answer, resent = _resend_to(live, cert, now)
        _record(asked, answer)
    return Outcome(asked.action, answer.status, verifications=resent)


def _resend_to(
    live: list[Verification], cert: str, now: datetime.datetime
) -> tuple[Answer, list[Verification]]:
    """The answer to a resend for a mobile with `live` verifications, the new codes
    sent; and the verifications that got one."""
    if not live:
        return Answer(messages.NOTHING_PENDING, R.NOTHING_PENDING), []
    matching = [v for v in live if _is_person(v, cert)]
    if not matching:
        return Answer(
            messages.RESEND_NOT_FOUND,
            R.WRONG_CERTIFICATE,
            wrong_part=WrongPart.CERTIFICATE,
        ), []
    under_cap = [
        v
        for v in matching
        if (cap := policies.get_policy(v.filing.policy).resend_cap) is None
        or v.resends < cap
    ]
    if not under_cap:
        # A refusal at the cap is the person's own: it is recorded against them.
        only = matching[0] if len(matching) == 1 else None
        return Answer(messages.RESEND_LIMIT_REACHED, R.RESEND_CAP, only), []
    for verification in under_cap:
        codes.resend_code(verification, now, transitions.APPLICANT, "applicant")
    only = under_cap[0] if len(under_cap) == 1 else None
    return Answer(messages.RESENT, R.RESENT, only), under_cap
