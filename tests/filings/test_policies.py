"""The policy table and the who-must-verify table of the domain brief, row by row."""

import datetime

import pytest

from filings import policies
from filings.models import Province

# domain.md, "Policies": key, portal, window (h), sender, resend cap, automatic resend;
# and "Failure rule": what a failed attempt is (Alibaba 2018 and JD 2019 count wrong
# ID digits, the MIIT rule a wrong value in any field).
POLICY_ROWS = [
    (
        "pilot-2017",
        "provincial",
        48,
        "carrier",
        None,
        datetime.time(12, 0),
        "certificate_digits",
    ),
    (
        "provincial-2019",
        "provincial",
        48,
        "carrier",
        None,
        datetime.time(12, 0),
        "certificate_digits",
    ),
    ("miit-2020", "central", 24, "12381", 2, None, "any_field"),
    ("miit-current", "central", 24, "12381", 2, None, "any_field"),
]


@pytest.mark.parametrize(
    ("key", "portal", "hours", "sender", "cap", "automatic", "counts"), POLICY_ROWS
)
def test_policy_row(key, portal, hours, sender, cap, automatic, counts):
    policy = policies.get_policy(key)
    assert policy.portal == portal
    assert policy.window == datetime.timedelta(hours=hours)
    assert policy.window_hours == hours
    assert policy.sender == sender
    assert policy.resend_cap == cap
    assert policy.automatic_resend_at == automatic
    assert policy.failure_limit == 5
    assert policy.failures_count == counts


def test_every_policy_has_a_row():
    assert {row[0] for row in POLICY_ROWS} == set(policies.POLICIES)


L, A, LA, NONE = {"leader"}, {"administrator"}, {"leader", "administrator"}, set()
WEB, APP, BOTH_KINDS = ["website"], ["app"], ["website", "app"]

# domain.md, "Who must verify": (type, scope, service kinds) -> roles per policy
# in the order pilot-2017, provincial-2019, miit-2020, miit-current.
WHO_ROWS = [
    ("first_filing", "", WEB, (LA, LA, LA, LA)),
    ("first_filing", "", BOTH_KINDS, (LA, LA, LA, L)),
    ("first_filing", "", APP, (LA, LA, LA, L)),
    ("add_service", "", WEB, (A, A, A, LA)),
    ("add_service", "", BOTH_KINDS, (A, A, A, L)),
    ("add_service", "", APP, (A, A, A, L)),
    ("add_access", "", WEB, (A, A, A, LA)),
    ("add_access", "", APP, (A, A, A, LA)),
    ("change", "subject", WEB, (L, L, L, L)),
    ("change", "service", WEB, (A, A, A, A)),
    ("change", "service", APP, (A, A, A, A)),
    ("change", "both", WEB, (LA, LA, LA, LA)),
    ("cancel_subject", "", WEB, (L, NONE, L, L)),
    ("cancel_service", "", WEB, (A, NONE, A, A)),
    ("cancel_service", "", APP, (A, NONE, A, A)),
    ("cancel_access", "", WEB, (A, NONE, NONE, NONE)),
]
POLICY_ORDER = ["pilot-2017", "provincial-2019", "miit-2020", "miit-current"]


@pytest.mark.parametrize(
    ("policy", "filing_type", "scope", "kinds", "expected"),
    [
        (policy, filing_type, scope, kinds, roles[index])
        for filing_type, scope, kinds, roles in WHO_ROWS
        for index, policy in enumerate(POLICY_ORDER)
    ],
)
def test_who_must_verify_row(policy, filing_type, scope, kinds, expected):
    assert set(policies.required_roles(policy, filing_type, scope, kinds)) == expected


def test_table_covers_every_type_and_scope():
    covered = {(filing_type, scope) for filing_type, scope, _, _ in WHO_ROWS}
    assert covered == set(policies.WHO_MUST_VERIFY)


def test_change_scope_is_ignored_for_other_types():
    roles = policies.required_roles("miit-2020", "add_service", "subject", WEB)
    assert set(roles) == A


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "pilot", "provincial", "central"),
    [
        ("gs", True, True, True),  # 2017 pilot province
        ("hi", True, True, True),
        ("zj", False, True, True),  # 2018-09-10 wave
        ("hb", False, True, True),  # 2018-09-24 wave
        ("bj", False, False, True),  # never had a provincial site
        ("gd", False, False, True),
    ],
)
def test_policy_applies_in_province(code, pilot, provincial, central):
    province = Province.objects.get(code=code)
    assert policies.get_policy("pilot-2017").applies_in(province) is pilot
    assert policies.get_policy("provincial-2019").applies_in(province) is provincial
    assert policies.get_policy("miit-2020").applies_in(province) is central
    assert policies.get_policy("miit-current").applies_in(province) is central
