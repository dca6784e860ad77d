"""Verification codes: six random digits, stored only as a keyed hash.

The plain code exists in one place, the text of the SMS that carries it.
"""

import datetime
import hmac
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model, QuerySet
from django.utils.crypto import salted_hmac

from filings import transitions
from filings.models import EventType, FilingApplication
from infra import context
from verification import messages
from verification.models import SmsKind, SmsMessage, Verification, VerificationStatus
from verification.tasks import deliver_sms

CODE_LENGTH = 6
HASH_SALT = "icpportal.verification.code"
CERTIFICATE_SALT = "icpportal.verification.certificate-tail"
MAX_DRAWS = 50

logger = logging.getLogger(__name__)


def generate_code() -> str:
    """Six digits from the operating system's CSPRNG."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def hash_code(code: str) -> str:
    """HMAC-SHA256 of `code` under VERIFICATION_CODE_SECRET (or a key derived from
    SECRET_KEY when that is unset)."""
    return salted_hmac(
        HASH_SALT, code, secret=_secret(), algorithm="sha256"
    ).hexdigest()


def _secret() -> str:
    secret: str = settings.VERIFICATION_CODE_SECRET or settings.SECRET_KEY
    return secret


def hash_certificate_tail(tail: str) -> str:
    """HMAC-SHA256 of a certificate number's last six characters (upper-cased),
    under the same key as the codes but another salt."""
    return salted_hmac(
        CERTIFICATE_SALT, tail.upper(), secret=_secret(), algorithm="sha256"
    ).hexdigest()


def certificate_hashes(certificate_numbers: Iterable[str]) -> str:
    """What a verification stores to recognise its person: the keyed hashes of the
    last six characters of each certificate number that identifies them, sorted and
    comma-separated. The digits themselves are never stored on the verification."""
    tails = {number[-6:].upper() for number in certificate_numbers if number}
    return ",".join(sorted(hash_certificate_tail(tail) for tail in tails))


def certificate_matches(stored_hashes: str, tail: str) -> bool:
    """Whether typed certificate digits are one of a verification's stored tails."""
    if not stored_hashes or not tail:
        return False
    typed = hash_certificate_tail(tail)
    # Every stored hash is compared, so the time says nothing about which matched.
    found = False
    for stored in stored_hashes.split(","):
        found |= hmac.compare_digest(stored, typed)
    return found


def rehash_certificates(
    verifications: QuerySet[Model],
    *,
    batch_size: int = 2000,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write `certificate_hashes` afresh, from the people of their filings, for every
    row of `verifications` (a queryset; the migration passes its historical model's).

    For rows written without it, and after VERIFICATION_CODE_SECRET changes. Works
    in batches of `batch_size` rows in primary-key order, calling `progress(done)`
    after each; returns the number of rows written.
    """
    rows = verifications.model._base_manager.using(verifications.db)
    done, last = 0, 0
    while True:
        ids = list(
            verifications.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        last = ids[-1]
        numbers: defaultdict[int, set[str]] = defaultdict(set)
        leaders = rows.filter(pk__in=ids, is_leader=True).values_list(
            "pk", "filing__subject__leader__certificate_number"
        )
        administrators = rows.filter(
            pk__in=ids,
            is_administrator=True,
            filing__services__administrator__mobile=F("mobile"),
        ).values_list("pk", "filing__services__administrator__certificate_number")
        for pk, number in [*leaders, *administrators]:
            numbers[pk].add(number)
        rows.bulk_update(
            [
                rows.model(pk=pk, certificate_hashes=certificate_hashes(numbers[pk]))
                for pk in ids
            ],
            ["certificate_hashes"],
        )
        done += len(ids)
        if progress:
            progress(done)


def code_matches(stored_hash: str, code: str) -> bool:
    """Constant-time comparison of a typed code with a stored hash."""
    if not stored_hash:
        return False
    return hmac.compare_digest(stored_hash, hash_code(code))


def _store_unique_code(verification: Verification, now: datetime.datetime) -> str:
    """Give `verification` a new code no other pending verification has; return it."""
    for _ in range(MAX_DRAWS):
        code = generate_code()
        digest = hash_code(code)
        if Verification.objects.filter(
            status=VerificationStatus.PENDING, code_hash=digest
        ).exists():
            continue
        try:
            # The partial unique index settles a race with a concurrent issue.
            # The replaced code's hash is kept (assignments read the old row), so
            # staff can tell an old code typed after a resend from a wrong one.
            with transaction.atomic():
                Verification.objects.filter(pk=verification.pk).update(
                    previous_code_hash=F("code_hash"),
                    code_hash=digest,
                    code_issued_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            continue
        verification.previous_code_hash = verification.code_hash
        verification.code_hash, verification.code_issued_at = digest, now
        return code
    raise RuntimeError("could not draw a unique verification code")


def queue_sms(
    *,
    kind: str,
    sender: str,
    recipient: str,
    text: str,
    filing: FilingApplication | None = None,
    verification: Verification | None = None,
) -> SmsMessage:
    """Record a message and enqueue its delivery once the transaction commits."""
    message = SmsMessage.objects.create(
        kind=kind,
        sender=sender,
        recipient=recipient,
        text=text,
        filing=filing,
        verification=verification,
    )
    queued_by = context.request_id.get()
    transaction.on_commit(lambda: deliver_sms.enqueue(message.pk, request_id=queued_by))
    # The request's log line (with its id and client) names the message; the
    # worker's line "SMS N sent" continues the story.
    logger.info("SMS %s queued (%s)", message.pk, kind)
    return message


def issue_code(
    verification: Verification, filing: FilingApplication, now: datetime.datetime
) -> SmsMessage:
    """Give a pending verification a fresh code (the old one stops working) and text it.

    Must run inside the caller's transaction, with the verification locked or new.
    """
    code = _store_unique_code(verification, now)
    return queue_sms(
        kind=SmsKind.VERIFICATION_CODE,
        sender=messages.code_sender(filing.policy, verification.mobile),
        recipient=verification.mobile,
        text=messages.verification_code_text(filing, code, now),
        filing=filing,
        verification=verification,
    )


def resend_code(
    verification: Verification,
    now: datetime.datetime,
    actor: transitions.Actor,
    trigger: str,
    reason: str = "",
) -> SmsMessage:
    """Issue a new code to a locked, live verification and audit it as `code_resent`.

    `trigger` says why (`applicant`, `staff`, `automatic`, `mobile_changed`,
    `interrupted_send`); only the applicant's own resends count against the cap.
    """
    if trigger == "applicant":
        verification.resends += 1
        Verification.objects.filter(pk=verification.pk).update(
            resends=verification.resends, updated_at=now
        )
    message = issue_code(verification, verification.filing, now)
    transitions.record_event(
        verification.filing,
        actor,
        EventType.CODE_RESENT,
        reason=reason,
        data={"verification": verification.pk, "trigger": trigger, "sms": message.pk},
    )
    return message
