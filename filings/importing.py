"""Reading filing records (the provider import format) into the database.

`parse_record` checks a whole record and either returns a `FilingRecord` or raises
`RecordInvalid` with every problem found, each tied to a field path such as
`subject.leader.mobile` or `services[0].domains[1]`. Nothing is written until a record
is known to be valid; `create_filing` then writes it in one transaction.
"""

import datetime
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from filings import policies, transitions, validators
from filings.models import (
    AppPlatform,
    CertificateType,
    ChangeScope,
    Domain,
    EventType,
    FilingApplication,
    FilingType,
    Person,
    PolicyKey,
    Provider,
    Province,
    Service,
    ServiceKind,
    Subject,
    SubjectNature,
    TestClock,
)
from filings.privacy import lookup_key
from infra import times

RECORD_KEYS: set[str] = {
    "provider",
    "reference",
    "province",
    "type",
    "change_scope",
    "policy",
    "submitted_at",
    "subject",
    "services",
}
SUBJECT_KEYS: set[str] = {
    "name",
    "nature",
    "certificate_type",
    "certificate_number",
    "leader",
}
PERSON_KEYS: set[str] = {
    "name",
    "certificate_type",
    "certificate_number",
    "mobile",
    "emergency_mobile",
}
# An app's own keys (APP备案), refused on a website.
APP_KEYS = ("platforms", "signing_md5")
SERVICE_KEYS = {"kind", "name", "domains", "app_identifier", "administrator", *APP_KEYS}

# Bounds (docs/operations.md, "Security"). A reference names the filing in URLs and headers
# (`/api/v1/filings/{reference}`): only characters that need no escaping there.
# At least one letter or digit: "." and ".." are collapsed away by HTTP clients.
REFERENCE_RE = re.compile(r"[A-Za-z0-9._-]*[A-Za-z0-9][A-Za-z0-9._-]*")
REFERENCE_CHARACTERS = (
    "letters, digits, '-', '_' and '.' (at least one letter or digit)"
)
# A filing names at most this many services, a website at most this many domains:
# a real filing names a few; one of 1,000 services held a worker for seconds.
MAX_SERVICES = 50
MAX_DOMAINS_PER_WEBSITE = 20
# `submitted_at` replays a submission made earlier (the demo, the training
# scenarios, a provider's catch-up) within a year, keeping the deadline its policy
# gives it; a few minutes ahead allows for clocks that differ. Anything else would
# set a deadline decades away, or one decades past.
SUBMITTED_AT_MAX_AHEAD = datetime.timedelta(minutes=5)
SUBMITTED_AT_MAX_BACK = datetime.timedelta(days=365)


class RecordInvalid(Exception):
    """A record that cannot be imported; `errors` is a list of (field path, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))


@dataclass
class PersonData:
    name: str
    certificate_type: str
    certificate_number: str
    mobile: str
    emergency_mobile: str = ""


@dataclass
class ServiceData:
    kind: str
    name: str
    administrator: PersonData
    domains: list[str] = field(default_factory=list)
    app_identifier: str = ""
    platforms: list[str] = field(default_factory=list)
    signing_md5: str = ""


@dataclass
class FilingRecord:
    provider: Provider
    reference: str
    province: Province
    filing_type: str
    change_scope: str
    policy: str
    submitted_at: datetime.datetime | None
    subject_name: str
    subject_nature: str
    subject_certificate_type: str
    subject_certificate_number: str
    leader: PersonData
    services: list[ServiceData]
    livemode: bool = True  # False: a test key's, the sandbox's
    test_clock: TestClock | None = None  # the sandbox's: runs on the clock's time


class _Errors:
    """Collects field errors while a record is read."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: object) -> None:
        self.items.append((path, str(message)))

    def check[*Args, T](
        self, path: str, function: Callable[[*Args], T], *args: *Args
    ) -> T | None:
        """Call a validator; on ValidationError record it and return None."""
        try:
            return function(*args)
        except ValidationError as exc:
            for message in exc.messages:
                self.add(path, message)
            return None


def has_control_characters(value: str) -> bool:
    """Whether `value` holds characters no field takes (and PostgreSQL refuses NUL
    even in a look-up)."""
    return any(ord(char) < 32 or ord(char) == 127 for char in value)


def is_not_text(value: str) -> bool:
    """Whether `value` holds a lone surrogate (as JSON's escape for U+D800 gives):
    no database can store it, nor can it be encoded to send anywhere."""
    return any(0xD800 <= ord(char) <= 0xDFFF for char in value)


def is_plain_text(value: str) -> bool:
    """Whether `value` holds neither a control character nor a lone surrogate: what
    every text field and every look-up by a client's text requires."""
    return not has_control_characters(value) and not is_not_text(value)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _mapping(
    errors: _Errors, value: object, path: str, allowed: set[str]
) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        errors.add(path or "record", "must be an object")
        return None
    for key in sorted(set(value) - allowed):
        # An odd key (empty, spaces, line breaks) is shown quoted, on one line; one
        # with unprintable characters (\x85 breaks a line too) with them escaped.
        shown = (
            key
            if key.isidentifier()
            else json.dumps(key, ensure_ascii=not key.isprintable())
        )
        errors.add(_join(path, shown), "unknown field")
    return value


def _text(
    errors: _Errors,
    data: dict[str, Any],
    path: str,
    key: str,
    max_length: int,
    required: bool = True,
) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(_join(path, key), "is required")
        return ""
    if not isinstance(value, str):
        errors.add(_join(path, key), "must be a string")
        return ""
    value = value.strip()
    if len(value) > max_length:
        errors.add(_join(path, key), f"has more than {max_length} characters")
        return ""
    if has_control_characters(value):
        errors.add(_join(path, key), "contains control characters")
        return ""
    if is_not_text(value):
        errors.add(_join(path, key), "contains a character that is not text")
        return ""
    return value


def _choice(
    errors: _Errors,
    data: dict[str, Any],
    path: str,
    key: str,
    choices: type[TextChoices],
) -> str:
    value = data.get(key)
    if value is None or value == "":
        errors.add(_join(path, key), "is required")
        return ""
    if not isinstance(value, str) or value not in choices.values:
        errors.add(
            _join(path, key),
            f"{value!r} is not one of: {', '.join(choices.values)}",
        )
        return ""
    return value


def _certificate(
    errors: _Errors, data: dict[str, Any], path: str, allowed_types: Collection[str]
) -> tuple[str, str]:
    certificate_type = _choice(errors, data, path, "certificate_type", CertificateType)
    if certificate_type and certificate_type not in allowed_types:
        errors.add(
            _join(path, "certificate_type"),
            f"{certificate_type!r} is not allowed here; use one of: "
            f"{', '.join(sorted(allowed_types))}",
        )
        certificate_type = ""
    raw = _text(errors, data, path, "certificate_number", 64)
    if not (certificate_type and raw):
        return certificate_type, ""
    number = errors.check(
        _join(path, "certificate_number"),
        validators.normalize_certificate,
        certificate_type,
        raw,
    )
    return certificate_type, number or ""


def _person(errors: _Errors, value: object, path: str) -> PersonData | None:
    data = _mapping(errors, value, path, PERSON_KEYS)
    if data is None:
        return None
    name = _text(errors, data, path, "name", 64)
    certificate_type, certificate_number = _certificate(
        errors, data, path, validators.PERSONAL_CERTIFICATE_TYPES
    )
    mobile = errors.check(
        _join(path, "mobile"), validators.normalize_mobile, data.get("mobile")
    )
    emergency = data.get("emergency_mobile")
    if emergency not in (None, ""):
        emergency = errors.check(
            _join(path, "emergency_mobile"), validators.normalize_mobile, emergency
        )
    return PersonData(
        name=name,
        certificate_type=certificate_type,
        certificate_number=certificate_number,
        mobile=mobile or "",
        emergency_mobile=emergency or "",
    )


def _website_domains(
    errors: _Errors,
    raw_domains: object,
    raw_app: object,
    path: str,
    seen_domains: set[str],
) -> list[str]:
    """A website's domains in their ASCII form, each listed once in the filing
    (`seen_domains` holds those of the services read before)."""
    domains: list[str] = []
    if raw_app not in (None, ""):
        errors.add(_join(path, "app_identifier"), "is only for apps")
    if not isinstance(raw_domains, list) or not raw_domains:
        errors.add(_join(path, "domains"), "a website needs a list of domains")
    elif len(raw_domains) > MAX_DOMAINS_PER_WEBSITE:
        errors.add(
            _join(path, "domains"),
            f"lists {len(raw_domains)} domains; a website has at most "
            f"{MAX_DOMAINS_PER_WEBSITE}",
        )
    else:
        for index, raw in enumerate(raw_domains):
            domain_path = f"{_join(path, 'domains')}[{index}]"
            domain = errors.check(domain_path, validators.normalize_domain, raw)
            if domain is None:
                continue
            if domain in seen_domains:
                errors.add(domain_path, f"{domain} is listed twice in this filing")
                continue
            seen_domains.add(domain)
            domains.append(domain)
    return domains


def _app_identifier(
    errors: _Errors, raw_domains: object, raw_app: object, path: str
) -> str:
    """An app's identifier, normalised; "" if it is not valid."""
    if raw_domains not in (None, []):
        errors.add(_join(path, "domains"), "is only for websites")
    return (
        errors.check(
            _join(path, "app_identifier"),
            validators.normalize_app_identifier,
            raw_app,
        )
        or ""
    )


def _platforms(errors: _Errors, raw: object, path: str) -> list[str]:
    """An app's platforms: a non-empty list of AppPlatform values, each once, kept
    in the catalogue's order."""
    key = _join(path, "platforms")
    known = AppPlatform.values
    if not isinstance(raw, list) or not raw:
        errors.add(key, f"an app needs a list of platforms, from {', '.join(known)}")
        return []
    if not all(isinstance(item, str) and item in known for item in raw):
        errors.add(key, f"each platform is one of {', '.join(known)}")
        return []
    if len(set(raw)) != len(raw):
        errors.add(key, "lists a platform twice")
        return []
    return [platform for platform in known if platform in raw]


def _app(
    errors: _Errors, data: dict[str, Any], path: str
) -> tuple[str, list[str], str]:
    """An app's identifier, platforms and signing MD5, normalised."""
    identifier = _app_identifier(
        errors, data.get("domains"), data.get("app_identifier"), path
    )
    platforms = _platforms(errors, data.get("platforms"), path)
    md5 = errors.check(
        _join(path, "signing_md5"),
        validators.normalize_signing_md5,
        data.get("signing_md5"),
    )
    return identifier, platforms, md5 or ""


def _service(
    errors: _Errors, value: object, path: str, seen_domains: set[str]
) -> ServiceData | None:
    data = _mapping(errors, value, path, SERVICE_KEYS)
    if data is None:
        return None
    kind = _choice(errors, data, path, "kind", ServiceKind)
    name = _text(errors, data, path, "name", 128)
    domains: list[str] = []
    app_identifier, md5 = "", ""
    platforms: list[str] = []
    raw_domains = data.get("domains")
    raw_app = data.get("app_identifier")
    if kind == ServiceKind.WEBSITE:
        domains = _website_domains(errors, raw_domains, raw_app, path, seen_domains)
        for key in APP_KEYS:
            if data.get(key) not in (None, "", []):
                errors.add(_join(path, key), "is only for apps")
    elif kind == ServiceKind.APP:
        app_identifier, platforms, md5 = _app(errors, data, path)
    administrator = _person(
        errors, data.get("administrator"), _join(path, "administrator")
    )
    if kind and administrator:
        return ServiceData(
            kind=kind,
            name=name,
            administrator=administrator,
            domains=domains,
            app_identifier=app_identifier,
            platforms=platforms,
            signing_md5=md5,
        )
    return None


def _lookup[M: (Provider, Province)](
    errors: _Errors, model: type[M], key: str, value: object, label: str
) -> M | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(key, "is required")
        return None
    if has_control_characters(value.strip()):
        errors.add(key, "contains control characters")
        return None
    if is_not_text(value):
        errors.add(key, "contains a character that is not text")
        return None
    found = model.objects.filter(**{"code": value.strip().lower()}).first()
    if found is None:
        known = ", ".join(model.objects.values_list("code", flat=True))
        errors.add(key, f"unknown {label} {value!r}; known: {known}")
    return found


def _submitted_at(errors: _Errors, value: object) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed, but no such time (month 13, hour 25)
        parsed = None
    if parsed is None:
        errors.add("submitted_at", "must be an ISO 8601 date and time")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=times.BEIJING)
    try:
        ahead = parsed - timezone.now()
    except OverflowError:  # year 1 or 9999 with an offset that leaves the range
        ahead = datetime.timedelta.max if parsed.year > 1 else datetime.timedelta.min
    if ahead > SUBMITTED_AT_MAX_AHEAD:
        errors.add(
            "submitted_at",
            "is in the future; it may be at most "
            f"{SUBMITTED_AT_MAX_AHEAD.seconds // 60} minutes ahead of the server's clock",
        )
        return None
    if -ahead > SUBMITTED_AT_MAX_BACK:
        errors.add(
            "submitted_at",
            f"is more than {SUBMITTED_AT_MAX_BACK.days} days ago; submit the filing "
            "anew without submitted_at",
        )
        return None
    return parsed


def _reference(errors: _Errors, data: dict[str, Any]) -> str:
    reference = _text(errors, data, "", "reference", 64)
    if reference and not REFERENCE_RE.fullmatch(reference):
        errors.add("reference", f"may hold only {REFERENCE_CHARACTERS}")
        return ""
    return reference


def _change_scope(errors: _Errors, data: dict[str, Any], filing_type: str) -> str:
    """The change scope: one of ChangeScope for a change filing, none for another."""
    if filing_type == FilingType.CHANGE:
        return _choice(errors, data, "", "change_scope", ChangeScope)
    if data.get("change_scope"):
        errors.add("change_scope", "is only for change filings; leave it null")
    return ""


def _policy(errors: _Errors, data: dict[str, Any], province: Province | None) -> str:
    """The policy named, by default the province's current one; one that never
    applied in the province is refused."""
    policy = data.get("policy")
    if policy in (None, ""):
        return province.current_policy if province else ""
    if not isinstance(policy, str) or policy not in PolicyKey.values:
        errors.add("policy", f"{policy!r} is not one of: {', '.join(PolicyKey.values)}")
        return ""
    if province and not policies.get_policy(policy).applies_in(province):
        errors.add(
            "policy",
            f"{policy} never applied in {province.name_en} ({province.code})",
        )
    return policy


def _subject(
    errors: _Errors, value: object
) -> tuple[tuple[str, str, str, str], PersonData | None]:
    """The subject's (name, nature, certificate type, certificate number) and its
    leader: blanks and None if the subject is not an object."""
    subject = _mapping(errors, value, "subject", SUBJECT_KEYS)
    if subject is None:
        return ("", "", "", ""), None
    nature = _choice(errors, subject, "subject", "nature", SubjectNature)
    allowed = (
        validators.PERSONAL_CERTIFICATE_TYPES
        if nature == SubjectNature.INDIVIDUAL
        else {CertificateType.USCC}
    )
    certificate_type, certificate_number = _certificate(
        errors, subject, "subject", allowed
    )
    subject_fields = (
        _text(errors, subject, "subject", "name", 128),
        nature,
        certificate_type,
        certificate_number,
    )
    return subject_fields, _person(errors, subject.get("leader"), "subject.leader")


def _services(
    errors: _Errors, value: object, filing_type: str, change_scope: str
) -> list[ServiceData]:
    """The services a filing names (none read if it names too many); a filing about
    websites/apps must name one."""
    raw_services = value
    services = []
    if raw_services is None:
        raw_services = []
    if not isinstance(raw_services, list):
        errors.add("services", "must be a list")
        raw_services = []
    too_many = len(raw_services) > MAX_SERVICES
    if too_many:
        errors.add(
            "services",
            f"lists {len(raw_services)} services; a filing names at most {MAX_SERVICES}",
        )
    seen_domains: set[str] = set()
    for index, raw in enumerate([] if too_many else raw_services):
        service = _service(errors, raw, f"services[{index}]", seen_domains)
        if service:
            services.append(service)
    needs_services = filing_type and policies.needs_services(filing_type, change_scope)
    if needs_services and not raw_services:
        errors.add("services", f"a {filing_type} filing must name at least one service")
    return services


def _check_new_reference(
    errors: _Errors, provider: Provider | None, reference: str, livemode: bool
) -> None:
    """A provider's reference names one filing of its mode: one on record is refused."""
    taken = FilingApplication.objects.filter(
        provider=provider, reference=reference, livemode=livemode
    )
    if provider and reference and taken.exists():
        errors.add("reference", f"{provider.code} {reference} already exists")


def parse_record(record: object, *, livemode: bool = True) -> FilingRecord:
    """Validate one import record, live or (`livemode=False`) the sandbox's; return
    a FilingRecord or raise RecordInvalid."""
    errors = _Errors()
    data = _mapping(errors, record, "", RECORD_KEYS)
    if data is None:
        raise RecordInvalid(errors.items)

    provider = _lookup(errors, Provider, "provider", data.get("provider"), "provider")
    reference = _reference(errors, data)
    province = _lookup(errors, Province, "province", data.get("province"), "province")
    filing_type = _choice(errors, data, "", "type", FilingType)
    change_scope = _change_scope(errors, data, filing_type)
    policy = _policy(errors, data, province)
    submitted_at = _submitted_at(errors, data.get("submitted_at"))
    subject_fields, leader = _subject(errors, data.get("subject"))
    services = _services(errors, data.get("services"), filing_type, change_scope)
    _check_new_reference(errors, provider, reference, livemode)

    if errors.items:
        raise RecordInvalid(errors.items)
    # Each is None only where an error was recorded above.
    assert provider is not None and province is not None and leader is not None
    return FilingRecord(
        provider=provider,
        reference=reference,
        province=province,
        filing_type=filing_type,
        change_scope=change_scope,
        policy=policy,
        submitted_at=submitted_at,
        subject_name=subject_fields[0],
        subject_nature=subject_fields[1],
        subject_certificate_type=subject_fields[2],
        subject_certificate_number=subject_fields[3],
        leader=leader,
        services=services,
        livemode=livemode,
    )


def _create_person(data: PersonData) -> Person:
    return Person.objects.create(
        name=data.name,
        certificate_type=data.certificate_type,
        certificate_number=data.certificate_number,
        mobile=data.mobile,
        emergency_mobile=data.emergency_mobile,
        mobile_key=lookup_key(data.mobile),
        certificate_key=lookup_key(data.certificate_number),
    )


def _create_services(
    filing: FilingApplication, subject: Subject, services: list[ServiceData]
) -> None:
    """Write the services of a new filing with their domains; an administrator named
    by several (the same certificate number and mobile) is one person."""
    people: dict[tuple[str, str], Person] = {}
    for data in services:
        key = (data.administrator.certificate_number, data.administrator.mobile)
        if key not in people:
            people[key] = _create_person(data.administrator)
        service = Service.objects.create(
            subject=subject,
            kind=data.kind,
            name=data.name,
            app_identifier=data.app_identifier,
            app_platforms=",".join(data.platforms),
            app_signing_md5=data.signing_md5,
            administrator=people[key],
        )
        Domain.objects.bulk_create(
            Domain(service=service, name=name) for name in data.domains
        )
        filing.services.add(service)


def create_filing(
    record: FilingRecord, *, actor: transitions.Actor = transitions.PROVIDER
) -> FilingApplication:
    """Write a parsed record as a draft filing, with its "created" audit event.

    Everything happens in one transaction: a failure leaves nothing behind. Raises
    RecordInvalid if the provider reference was taken meanwhile. Submitting it is the
    verification engine's (`verification.moves.import_filing` does both).
    """
    try:
        with transaction.atomic():
            subject = Subject.objects.create(
                name=record.subject_name,
                nature=record.subject_nature,
                certificate_type=record.subject_certificate_type,
                certificate_number=record.subject_certificate_number,
                certificate_key=lookup_key(record.subject_certificate_number),
                province=record.province,
                leader=_create_person(record.leader),
            )
            filing = FilingApplication.objects.create(
                provider=record.provider,
                reference=record.reference,
                province=record.province,
                subject=subject,
                filing_type=record.filing_type,
                change_scope=record.change_scope,
                policy=record.policy,
                livemode=record.livemode,
                test_clock=record.test_clock,
            )
            _create_services(filing, subject, record.services)
            transitions.record_event(
                filing, actor, EventType.CREATED, to_status=filing.status
            )
    except IntegrityError as exc:
        if FilingApplication.objects.filter(
            provider=record.provider,
            reference=record.reference,
            livemode=record.livemode,
        ).exists():
            raise RecordInvalid(
                [
                    (
                        "reference",
                        f"{record.provider.code} {record.reference} already exists",
                    )
                ]
            ) from exc
        raise
    return filing
