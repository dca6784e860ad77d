"""Importing every filing type under every policy gives domain.md's verifications."""

import json

import pytest

from tests.records import app, person, record, website, write_import_file

pytestmark = pytest.mark.django_db

LEADER, ADMIN = ["leader"], ["administrator"]
BOTH = ["leader", "administrator"]
POLICIES = ["pilot-2017", "provincial-2019", "miit-2020", "miit-current"]


def services_for(kinds, admin_mobile):
    made = []
    for kind in kinds:
        administrator = person("李四", mobile=admin_mobile)
        made.append(website(administrator) if kind == "website" else app(administrator))
    return made


# (type, scope, service kinds) and, per policy in POLICIES order, the roles that verify
# (None: nobody, the filing goes straight to review). Written from domain.md's table.
CASES = [
    ("first_filing", None, ["website"], ["LA", "LA", "LA", "LA"]),
    ("first_filing", None, ["website", "app"], ["LA", "LA", "LA", "L"]),
    ("first_filing", None, ["app"], ["LA", "LA", "LA", "L"]),
    ("add_service", None, ["website"], ["A", "A", "A", "LA"]),
    ("add_service", None, ["website", "app"], ["A", "A", "A", "L"]),
    ("add_service", None, ["app"], ["A", "A", "A", "L"]),
    ("add_access", None, ["website"], ["A", "A", "A", "LA"]),
    ("change", "subject", [], ["L", "L", "L", "L"]),
    ("change", "service", ["website"], ["A", "A", "A", "A"]),
    ("change", "both", ["website"], ["LA", "LA", "LA", "LA"]),
    ("cancel_subject", None, [], ["L", None, "L", "L"]),
    ("cancel_service", None, ["website"], ["A", None, "A", "A"]),
    ("cancel_service", None, ["app"], ["A", None, "A", "A"]),
    ("cancel_access", None, ["website"], ["A", None, None, None]),
]

MATRIX = [
    pytest.param(
        filing_type,
        scope,
        kinds,
        policy,
        expected[index],
        id=f"{filing_type}-{scope or ''}-{'+'.join(kinds) or 'none'}-{policy}",
    )
    for filing_type, scope, kinds, expected in CASES
    for index, policy in enumerate(POLICIES)
]


def _import_and_show(tmp_path, run_command, data):
    path = write_import_file(tmp_path, [data])
    code, out, err = run_command("import_filings", path)
    assert code == 0, out + err
    code, out, err = run_command(
        "show_filing", data["reference"], provider="aliyun", json=True
    )
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(("filing_type", "scope", "kinds", "policy", "roles"), MATRIX)
def test_distinct_mobiles(
    tmp_path, run_command, filing_type, scope, kinds, policy, roles
):
    leader = person(mobile="13811110000")
    data = record(
        filing_type,
        scope,
        policy,
        leader=leader,
        services=services_for(kinds, "13922220000"),
    )
    shown = _import_and_show(tmp_path, run_command, data)
    got = {item["mobile"]: item["roles"] for item in shown["verifications"]}
    expected = {}
    if roles and "L" in roles:
        expected["13811110000"] = LEADER
    if roles and "A" in roles:
        expected["13922220000"] = ADMIN
    assert got == expected
    if roles:
        assert shown["status"] == "pending_verification"
        assert shown["deadline"] is not None
        assert all(item["status"] == "pending" for item in shown["verifications"])
    else:
        assert shown["status"] == "under_review"
        assert shown["deadline"] is None


@pytest.mark.parametrize(("filing_type", "scope", "kinds", "policy", "roles"), MATRIX)
def test_same_mobile_is_one_verification(
    tmp_path, run_command, filing_type, scope, kinds, policy, roles
):
    shared = "13633330000"
    data = record(
        filing_type,
        scope,
        policy,
        leader=person(mobile=shared),
        services=services_for(kinds, shared),
    )
    shown = _import_and_show(tmp_path, run_command, data)
    if roles is None:
        assert shown["verifications"] == []
        return
    expected_roles = {"L": LEADER, "A": ADMIN, "LA": BOTH}[roles]
    assert shown["verifications"] == [
        {
            "mobile": shared,
            "roles": expected_roles,
            "status": "pending",
            "failed_attempts": 0,
            "resends": 0,
        }
    ]


@pytest.mark.parametrize(
    ("policy", "hours"),
    [
        ("pilot-2017", 48),
        ("provincial-2019", 48),
        ("miit-2020", 24),
        ("miit-current", 24),
    ],
)
def test_deadline_is_submission_plus_policy_window(
    tmp_path, run_command, policy, hours
):
    data = record(policy=policy, submitted_at="2026-03-01T09:30:00+08:00")
    shown = _import_and_show(tmp_path, run_command, data)
    assert shown["submitted_at"] == "2026-03-01T09:30:00+08:00"
    day = 2 if hours == 24 else 3
    assert shown["deadline"] == f"2026-03-0{day}T09:30:00+08:00"


def test_two_administrators_and_the_leader_share_verifications_by_mobile(
    tmp_path, run_command
):
    """Leader = admin of site 1 (same mobile); site 2 has its own admin."""
    data = record(
        "first_filing",
        policy="miit-2020",
        leader=person(mobile="13700001111"),
        services=[
            website(person("张三", mobile="13700001111")),
            website(person("赵六", mobile="13700002222")),
            website(person("赵六", mobile="+86 137 0000 2222")),
        ],
    )
    shown = _import_and_show(tmp_path, run_command, data)
    assert [(v["mobile"], v["roles"]) for v in shown["verifications"]] == [
        ("13700001111", BOTH),
        ("13700002222", ADMIN),
    ]


def test_null_policy_takes_the_province_current_policy(tmp_path, run_command):
    data = record(policy=None, province="gs")
    shown = _import_and_show(tmp_path, run_command, data)
    assert shown["policy"] == "miit-current"


def test_emergency_mobile_never_verifies(tmp_path, run_command):
    data = record(
        leader=person(mobile="13800001234", emergency_mobile="13900005678"),
        services=[
            website(person(mobile="13800001234", emergency_mobile="13900009999"))
        ],
    )
    shown = _import_and_show(tmp_path, run_command, data)
    assert [v["mobile"] for v in shown["verifications"]] == ["13800001234"]


def test_draft_import_creates_no_verifications(tmp_path, run_command):
    data = record()
    path = write_import_file(tmp_path, [data])
    code, out, _ = run_command("import_filings", path, draft=True)
    assert code == 0
    code, out, _ = run_command("show_filing", data["reference"], json=True)
    shown = json.loads(out)
    assert shown["status"] == "draft"
    assert shown["verifications"] == []
    assert shown["deadline"] is None
