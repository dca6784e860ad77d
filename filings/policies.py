"""The verification rule sets (policies) and the who-must-verify table, as data.

Each row here is a row of the domain brief's tables; `tests/filings/test_policies.py`
checks them one by one.
"""

import datetime
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from filings.models import (
    ChangeScope,
    FilingType,
    PolicyKey,
    Province,
    Role,
    ServiceKind,
)
from infra.times import BEIJING

PORTAL_PROVINCIAL = "provincial"
PORTAL_CENTRAL = "central"

SENDER_BY_CARRIER = "carrier"
# What a failed attempt is, for the five-failure rule: the provincial rules count wrong
# certificate digits only (a code that matches no record is "not found" and not
# counted); the MIIT rule counts a wrong value in any field.
COUNTS_CERTIFICATE_DIGITS = "certificate_digits"
COUNTS_ANY_FIELD = "any_field"
SENDER_12381 = "12381"

# The first seven pilot provinces went live on this date; pilot-2017 applies to them only.
PILOT_2017_START = datetime.date(2017, 12, 18)
CENTRAL_SITE_START = datetime.date(2020, 8, 17)


@dataclass(frozen=True)
class Policy:
    """One rule set: where people verify, how long they have, and how codes are sent."""

    key: str
    source: str
    portal: str
    window: datetime.timedelta
    sender: str
    resend_cap: int | None
    automatic_resend_at: datetime.time | None
    failures_count: str
    failure_limit: int = 5

    @property
    def is_provincial(self) -> bool:
        return self.portal == PORTAL_PROVINCIAL

    @property
    def window_hours(self) -> int:
        return int(self.window.total_seconds() // 3600)

    def applies_in(self, province: Province) -> bool:
        """Whether filings of `province` can be submitted under this policy."""
        if self.key == PolicyKey.PILOT_2017:
            return (
                province.pilot_start is not None
                and province.pilot_start <= PILOT_2017_START
            )
        if self.key == PolicyKey.PROVINCIAL_2019:
            return province.pilot_start is not None
        return True


POLICIES: dict[str, Policy] = {
    PolicyKey.PILOT_2017: Policy(
        key=PolicyKey.PILOT_2017,
        source="alibaba-2018-pilot-provinces-48h",
        portal=PORTAL_PROVINCIAL,
        window=datetime.timedelta(hours=48),
        sender=SENDER_BY_CARRIER,
        resend_cap=None,
        automatic_resend_at=datetime.time(12, 0),
        failures_count=COUNTS_CERTIFICATE_DIGITS,
    ),
    PolicyKey.PROVINCIAL_2019: Policy(
        key=PolicyKey.PROVINCIAL_2019,
        source="jdcloud-2019-22-provinces-48h",
        portal=PORTAL_PROVINCIAL,
        window=datetime.timedelta(hours=48),
        sender=SENDER_BY_CARRIER,
        resend_cap=None,
        automatic_resend_at=datetime.time(12, 0),
        failures_count=COUNTS_CERTIFICATE_DIGITS,
    ),
    PolicyKey.MIIT_2020: Policy(
        key=PolicyKey.MIIT_2020,
        source="jdcloud-2020-miit-central-24h",
        portal=PORTAL_CENTRAL,
        window=datetime.timedelta(hours=24),
        sender=SENDER_12381,
        resend_cap=2,
        automatic_resend_at=None,
        failures_count=COUNTS_ANY_FIELD,
    ),
    PolicyKey.MIIT_CURRENT: Policy(
        key=PolicyKey.MIIT_CURRENT,
        source="alibaba-current-miit-24h",
        portal=PORTAL_CENTRAL,
        window=datetime.timedelta(hours=24),
        sender=SENDER_12381,
        resend_cap=2,
        automatic_resend_at=None,
        failures_count=COUNTS_ANY_FIELD,
    ),
}


def get_policy(key: str) -> Policy:
    """The Policy for a key; KeyError for an unknown one."""
    return POLICIES[PolicyKey(key)]


def automatic_resend_time(
    policy_key: str, submitted_at: datetime.datetime, deadline: datetime.datetime
) -> datetime.datetime | None:
    """When a policy resends codes by itself: 12:00 Beijing time the day after
    submission, if that is still before the deadline; None otherwise."""
    at = get_policy(policy_key).automatic_resend_at
    if at is None:
        return None
    day = submitted_at.astimezone(BEIJING).date() + datetime.timedelta(days=1)
    due = datetime.datetime.combine(day, at, tzinfo=BEIJING)
    return due if due < deadline else None


NOBODY: frozenset[Role] = frozenset()
L: frozenset[Role] = frozenset({Role.LEADER})
A: frozenset[Role] = frozenset({Role.ADMINISTRATOR})
LA: frozenset[Role] = L | A


@dataclass(frozen=True)
class ByServiceKinds:
    """Roles that depend on the kinds of service the filing concerns (miit-current)."""

    website_only: frozenset[Role]
    website_and_app: frozenset[Role]
    app_only: frozenset[Role]

    def for_kinds(self, kinds: Collection[str]) -> frozenset[Role]:
        has_website = ServiceKind.WEBSITE in kinds
        has_app = ServiceKind.APP in kinds
        if has_website and has_app:
            return self.website_and_app
        if has_app:
            return self.app_only
        return self.website_only


CURRENT_NEW_SERVICE = ByServiceKinds(website_only=LA, website_and_app=L, app_only=L)

P17, P19, M20, MCUR = (
    PolicyKey.PILOT_2017,
    PolicyKey.PROVINCIAL_2019,
    PolicyKey.MIIT_2020,
    PolicyKey.MIIT_CURRENT,
)

# (filing type, change scope) -> policy -> roles that must verify.
WHO_MUST_VERIFY: dict[tuple[str, str], dict[str, frozenset[Role] | ByServiceKinds]] = {
    (FilingType.FIRST_FILING, ""): {
        P17: LA,
        P19: LA,
        M20: LA,
        MCUR: CURRENT_NEW_SERVICE,
    },
    (FilingType.ADD_SERVICE, ""): {P17: A, P19: A, M20: A, MCUR: CURRENT_NEW_SERVICE},
    (FilingType.ADD_ACCESS, ""): {P17: A, P19: A, M20: A, MCUR: LA},
    (FilingType.CHANGE, ChangeScope.SUBJECT): {P17: L, P19: L, M20: L, MCUR: L},
    (FilingType.CHANGE, ChangeScope.SERVICE): {P17: A, P19: A, M20: A, MCUR: A},
    (FilingType.CHANGE, ChangeScope.BOTH): {P17: LA, P19: LA, M20: LA, MCUR: LA},
    (FilingType.CANCEL_SUBJECT, ""): {P17: L, P19: NOBODY, M20: L, MCUR: L},
    (FilingType.CANCEL_SERVICE, ""): {P17: A, P19: NOBODY, M20: A, MCUR: A},
    (FilingType.CANCEL_ACCESS, ""): {P17: A, P19: NOBODY, M20: NOBODY, MCUR: NOBODY},
}

# Filing types whose application is about particular websites/apps: they must name
# at least one. Subject-level changes and cancellations may name none.
TYPES_NEEDING_SERVICES: frozenset[str] = frozenset(
    {
        FilingType.FIRST_FILING,
        FilingType.ADD_SERVICE,
        FilingType.ADD_ACCESS,
        FilingType.CANCEL_SERVICE,
        FilingType.CANCEL_ACCESS,
    }
)
SCOPES_NEEDING_SERVICES: frozenset[str] = frozenset(
    {ChangeScope.SERVICE, ChangeScope.BOTH}
)


def needs_services(filing_type: str, change_scope: str = "") -> bool:
    """Whether a filing of this type (and change scope) must name a service."""
    if filing_type == FilingType.CHANGE:
        return change_scope in SCOPES_NEEDING_SERVICES
    return filing_type in TYPES_NEEDING_SERVICES


def required_roles(
    policy_key: str, filing_type: str, change_scope: str, service_kinds: Iterable[str]
) -> frozenset[Role]:
    """The roles that must verify a filing, as a frozenset of `Role` values.

    `service_kinds` is the collection of kinds of the services the filing concerns;
    it matters only where the table splits by service kind.
    """
    scope = change_scope if filing_type == FilingType.CHANGE else ""
    roles = WHO_MUST_VERIFY[(FilingType(filing_type), scope)][PolicyKey(policy_key)]
    if isinstance(roles, ByServiceKinds):
        return roles.for_kinds(set(service_kinds))
    return roles
