"""Customer pages: everything about one person (by their mobile) or one entity (by its
certificate number) across filings, newest first: the filings, the people's
verifications, the texts, the pages' attempts, the notes and the follow-ups.

A page is reached from the search and the filing page by a link that names a record
(a person, an entity) and never the number itself; the page then gathers every
record with the same mobile or certificate number.
"""

from dataclasses import dataclass, field

from console.models import FollowUp, Note
from filings.models import FilingApplication, Person, Subject
from verification.models import Attempt, SmsMessage, Verification

# The most rows of each kind a page shows; past it the page says so.
SHOWN = 100


@dataclass
class Customer:
    """What a customer page shows, each list newest first."""

    name: str
    filings: list
    verifications: list = field(default_factory=list)
    texts: list = field(default_factory=list)
    attempts: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    follow_ups: list = field(default_factory=list)
    capped: bool = False


def _newest(queryset, *related):
    rows = list(queryset.select_related(*related).order_by("-pk")[: SHOWN + 1])
    return rows[:SHOWN], len(rows) > SHOWN


def person(person_id):
    """The page of the person `person_id` names: every record with their mobile.
    None if there is no such person."""
    found = Person.objects.filter(pk=person_id).first()
    if found is None:
        return None
    mobile = found.mobile
    filings, capped = _newest(
        FilingApplication.objects.filter(
            pk__in=FilingApplication.objects.filter(subject__leader__mobile=mobile)
            .values("pk")
            .union(
                FilingApplication.objects.filter(
                    services__administrator__mobile=mobile
                ).values("pk")
            )
        ),
        "provider",
        "province",
        "subject",
    )
    customer = Customer(found.name, filings, capped=capped)
    _records(customer, mobile=mobile)
    return customer


def entity(subject_id):
    """The page of the entity `subject_id` names: every filing of an entity with its
    certificate number, and their people's records. None if there is no such entity."""
    found = Subject.objects.filter(pk=subject_id).first()
    if found is None:
        return None
    filings, capped = _newest(
        FilingApplication.objects.filter(
            subject__certificate_number=found.certificate_number
        ),
        "provider",
        "province",
        "subject",
    )
    customer = Customer(found.name, filings, capped=capped)
    _records(customer, filing_ids=[f.pk for f in filings])
    return customer


def _records(customer, *, mobile=None, filing_ids=None):
    """Fill in the verifications, texts, attempts, notes and follow-ups: those of
    `mobile` (a person's page) or of the filings `filing_ids` (an entity's)."""
    filing_ids = filing_ids or [f.pk for f in customer.filings]
    if mobile is not None:
        verifications = Verification.objects.filter(mobile=mobile)
        texts = SmsMessage.objects.filter(recipient=mobile)
        attempts = Attempt.objects.filter(mobile=mobile)
    else:
        verifications = Verification.objects.filter(filing_id__in=filing_ids)
        texts = SmsMessage.objects.filter(filing_id__in=filing_ids)
        attempts = Attempt.objects.filter(verification__filing_id__in=filing_ids)
    kinds = [
        ("verifications", verifications, ("filing",)),
        ("texts", texts, ("filing",)),
        ("attempts", attempts, ("verification__filing",)),
        ("notes", Note.objects.filter(filing_id__in=filing_ids), ("author", "filing")),
        (
            "follow_ups",
            FollowUp.objects.filter(filing_id__in=filing_ids),
            ("created_by", "filing"),
        ),
    ]
    for name, queryset, related in kinds:
        rows, capped = _newest(queryset, *related)
        setattr(customer, name, rows)
        customer.capped = customer.capped or capped
