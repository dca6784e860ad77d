"""The support desk's search: whatever a customer on the phone reads out, or an agent
sees on screen, finds the filings and the people it belongs to, each with why.

A full mobile or certificate number is looked up by its keyed hash
(`filings.privacy.lookup_key`), never compared in a query as typed.

A term is read in every way it can be (a term of four digits is both the end of a
mobile and part of a reference), each way one query on an indexed column (on
PostgreSQL, trigram indexes for the "contains" and "ends with" ones:
`filings` migration 0018), and the answers are merged, the newest filings first.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from console.models import Note
from filings.models import Domain, FilingApplication, Person, Service, Subject
from filings.privacy import lookup_key, mask_mobile
from filings.validators import normalize_mobile

# The most filings and people one search shows; past it the page says to narrow.
LIMIT = 50
# The longest term read (a full certificate number with spaces, a domain, a name).
LONGEST_TERM = 200
# Shorter terms match too much to be read as part of a name, a reference or a note.
SHORTEST_PART = 3
MASKED_MOBILE_RE = re.compile(r"^(\d{3})\*{2,6}(\d{4})$")
LAST_FOUR_RE = re.compile(r"^\d{4}$")
CERTIFICATE_RE = re.compile(r"^[0-9A-Z]{15,18}$")


@dataclass
class FoundFiling:
    """A filing the search found, and each reason it was found."""

    filing: FilingApplication
    why: list = field(default_factory=list)


@dataclass
class FoundPerson:
    """A person the search found by their mobile or certificate number."""

    person: Person
    why: str
    filing_ids: list = field(default_factory=list)
    filings: list = field(default_factory=list)


@dataclass
class Results:
    term: str
    filings: list
    people: list
    capped: bool = False

    @property
    def empty(self):
        return not self.filings and not self.people


def normalized(term):
    """The term as typed, full-width folded and trimmed; spaces inside a number go."""
    term = unicodedata.normalize("NFKC", term or "").strip()
    compact = re.sub(r"[\s-]", "", term)
    return compact if re.fullmatch(r"[+\d*]+", compact) else term


def search(term):
    """Filings and people for `term` (see the module's docstring)."""
    term = normalized(term)
    if not term or not _is_text(term):
        return Results(term, [], [])
    reasons = {}  # filing id -> [why, ...]
    people = _people(term)
    by_key = _filings_of([found.person.mobile_key for found in people[:LIMIT]])
    for found in people[:LIMIT]:
        found.filing_ids = by_key.get(found.person.mobile_key, [])
        for filing_id in found.filing_ids:
            reasons.setdefault(filing_id, []).append(found.why)
    for why, ids in _filings(term):
        for filing_id in ids:
            reasons.setdefault(filing_id, []).append(why)
    filings = (
        FilingApplication.objects.filter(pk__in=list(reasons)[: LIMIT * 4])
        .select_related("provider", "province", "subject")
        .order_by("-updated_at", "-pk")
    )
    shown = [FoundFiling(f, _unique(reasons[f.pk])) for f in filings[:LIMIT]]
    by_id = {found.filing.pk: found.filing for found in shown}
    for found in people:
        found.filings = [by_id[i] for i in found.filing_ids if i in by_id]
    return Results(
        term,
        shown,
        people[:LIMIT],
        capped=len(reasons) > LIMIT or len(people) > LIMIT,
    )


def _is_text(term):
    """No NUL, no lone surrogate: nothing a database would refuse to compare."""
    return "\x00" not in term and not any(unicodedata.category(c) == "Cs" for c in term)


def _unique(items):
    return list(dict.fromkeys(items))


def _people(term):
    """People whose mobile or certificate number the term is, or shows."""
    try:
        mobile = normalize_mobile(term)
    except ValidationError:
        mobile = ""
    if mobile:
        why = _("the mobile %(mobile)s") % {"mobile": mask_mobile(mobile)}
        found = Person.objects.filter(mobile_key=lookup_key(mobile))
    elif match := MASKED_MOBILE_RE.match(term):
        start, end = match.groups()
        why = _("a mobile shown as %(mobile)s") % {"mobile": f"{start}****{end}"}
        found = Person.objects.filter(mobile__startswith=start, mobile__endswith=end)
    elif LAST_FOUR_RE.match(term):
        why = _("a mobile ending in %(digits)s") % {"digits": term}
        found = Person.objects.filter(mobile__endswith=term)
    elif CERTIFICATE_RE.match(term.upper()):
        why = _("the certificate number of %(name)s")
        found = Person.objects.filter(certificate_key=lookup_key(term))
        return [FoundPerson(p, why % {"name": p.name}) for p in _one_per_mobile(found)]
    else:
        return []
    return [FoundPerson(p, why) for p in _one_per_mobile(found)]


def _one_per_mobile(people):
    """One person for each mobile: a leader on three filings is three rows with one
    number, and one customer (their page gathers every record of the number)."""
    seen = {}
    for person in people.order_by()[: LIMIT * 4]:
        seen.setdefault(person.mobile, person)
    return list(seen.values())[: LIMIT + 1]


def _filings_of(mobile_keys):
    """{mobile key: filing ids} of the filings where a person with that mobile is
    the entity leader or a service's administrator: two queries for every person
    found, by the mobiles' keyed hashes (`filings.privacy.lookup_key`)."""
    found = {}
    keys = [key for key in mobile_keys if key]
    leading = FilingApplication.objects.filter(
        subject__leader__mobile_key__in=keys
    ).values_list("subject__leader__mobile_key", "pk")
    administering = FilingApplication.objects.filter(
        services__administrator__mobile_key__in=keys
    ).values_list("services__administrator__mobile_key", "pk")
    for rows in (leading, administering):
        for key, filing_id in rows.order_by()[: LIMIT * 4]:
            found.setdefault(key, [])
            if filing_id not in found[key]:
                found[key].append(filing_id)
    return found


def _filings(term):
    """(why, filing ids) for each way the term names filings directly."""
    found = []
    upper = term.upper()
    if len(term) >= SHORTEST_PART:
        found.append(
            (
                _("the reference"),
                _ids(FilingApplication.objects.filter(reference__icontains=term)),
            )
        )
        found.append(
            (
                _("the entity's name"),
                _ids(FilingApplication.objects.filter(subject__name__icontains=term)),
            )
        )
        found.append(
            (
                _("an internal note"),
                list(
                    Note.objects.filter(text__icontains=term)
                    .order_by()
                    .values_list("filing_id", flat=True)[: LIMIT + 1]
                ),
            )
        )
    if "ICP" in upper:
        # Two lookups, each on its own trigram index (an OR across the join to the
        # services read every filing: 0.9 s at a million).
        services = Service.objects.filter(icp_number__icontains=term)
        found.append(
            (
                _("the ICP number"),
                _unique(
                    _ids(FilingApplication.objects.filter(icp_number__icontains=term))
                    + _ids(FilingApplication.objects.filter(services__in=services))
                )[: LIMIT + 1],
            )
        )
    bare_domain = term.lower().strip(".")
    if "." in term and " " not in term and len(bare_domain) >= SHORTEST_PART:
        domains = Domain.objects.filter(name__icontains=bare_domain)
        found.append(
            (
                _("a domain"),
                _ids(FilingApplication.objects.filter(services__domains__in=domains)),
            )
        )
    if CERTIFICATE_RE.match(upper):
        subjects = Subject.objects.filter(certificate_key=lookup_key(upper))
        found.append(
            (
                _("the entity's certificate number"),
                _ids(FilingApplication.objects.filter(subject__in=subjects)),
            )
        )
    return found


def _ids(queryset):
    """LIMIT + 1 ids of the matches (one more than shown tells the page to say so),
    each once. Unordered: an order would have the database walk the table in that
    order instead of asking the trigram index for the few rows that match."""
    return _unique(queryset.order_by().values_list("pk", flat=True)[: LIMIT * 4])[
        : LIMIT + 1
    ]
