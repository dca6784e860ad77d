"""Conflicts at submission: what the administration refuses before any review.

- A subject has one filing in flight at a time: a second filing for a subject with
  one pending verification or under review is refused (`subject_in_flight`).
- A domain belongs to one subject: a filing naming a domain that another subject's
  filing holds, approved or in flight, is refused (`domain_filed_by_other_subject`):
  two subjects' filings for one domain cannot both be approved.

A subject is known by its certificate (type and number): every filing has its own
copy of its subject (`filings.models`), so "the same subject" is the same
certificate. The check runs on the locked filing inside the submission's
transaction (`filings.transitions.submit_filing`); on PostgreSQL a transaction lock
on the subject's certificate, and one on each domain named, makes two submissions
for one subject or one domain take turns, so both cannot pass.
"""

import hashlib

from django.db import connection
from django.db.models import Q

from filings.models import Domain, FilingApplication, FilingStatus, FilingType
from filings.review_outcomes import SUBMISSION_CONFLICTS, Outcome

IN_FLIGHT = (FilingStatus.PENDING_VERIFICATION, FilingStatus.UNDER_REVIEW)
# A filing that holds its domains: approved, or on its way to be.
HOLDING = (FilingStatus.APPROVED, *IN_FLIGHT)

# The filing types that name domains as the subject's own (a cancellation names the
# domains it gives up).
CLAIMS_DOMAINS = (
    FilingType.FIRST_FILING,
    FilingType.ADD_SERVICE,
    FilingType.ADD_ACCESS,
    FilingType.CHANGE,
)


class SubmissionConflict(Exception):
    """A submission the administration refuses; `outcome` is its coded reason and
    `detail` names what conflicts (a reference, a domain), for the provider."""

    def __init__(self, outcome: Outcome, detail: str) -> None:
        self.outcome, self.detail = outcome, detail
        self.code = outcome.code
        super().__init__(f"{outcome.code}: {detail}")


def _take_turns(keys: list[str]) -> None:
    """On PostgreSQL, hold a lock on each key (in order, so two holders never wait for
    each other) until the transaction ends; other databases write one transaction
    at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in sorted(set(keys)):
            digest = hashlib.sha256(key.encode()).digest()[:8]
            number = int.from_bytes(digest, "big", signed=True)
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def _sandbox_scope(filing: FilingApplication) -> dict[str, int]:
    """A sandbox filing's domains are held by its own provider's sandbox alone."""
    if filing.livemode:
        return {}
    return {"service__filings__provider_id": filing.provider_id}


def check_submission(filing: FilingApplication) -> None:
    """Raise SubmissionConflict if `filing` (locked, about to be submitted) conflicts
    with another filing; call it inside the submission's transaction."""
    subject = filing.subject
    names = []
    if filing.filing_type in CLAIMS_DOMAINS:
        names = list(
            Domain._base_manager.filter(service__filings=filing).values_list(
                "name", flat=True
            )
        )
    _take_turns(
        [f"subject:{subject.certificate_type}:{subject.certificate_number}"]
        + [f"domain:{name}" for name in names]
    )
    # The sandbox's filings conflict with the same provider's sandbox only, the live
    # with the live (every provider's, as the administration's records are one).
    same_subject = Q(
        subject__certificate_type=subject.certificate_type,
        subject__certificate_number=subject.certificate_number,
        livemode=filing.livemode,
    )
    if not filing.livemode:
        same_subject &= Q(provider_id=filing.provider_id)
    in_flight = (
        FilingApplication._base_manager.filter(same_subject, status__in=IN_FLIGHT)
        .exclude(pk=filing.pk)
        .values_list("reference", flat=True)
        .first()
    )
    if in_flight is not None:
        raise SubmissionConflict(
            SUBMISSION_CONFLICTS["subject_in_flight"],
            f"filing {in_flight} of this subject is in flight",
        )
    if not names:
        return
    held = (
        Domain._base_manager.filter(
            name__in=names,
            service__filings__status__in=HOLDING,
            service__filings__livemode=filing.livemode,
            **_sandbox_scope(filing),
        )
        .exclude(service__filings=filing)
        .exclude(
            service__subject__certificate_type=subject.certificate_type,
            service__subject__certificate_number=subject.certificate_number,
        )
        .values_list("name", flat=True)
        .first()
    )
    if held is not None:
        raise SubmissionConflict(
            SUBMISSION_CONFLICTS["domain_filed_by_other_subject"],
            f"domain {held} is held by another subject's filing",
        )
