"""show_filing: the JSON document other tools read, and its errors."""

import json

import pytest

from tests.records import (
    app,
    own_subject,
    person,
    record,
    website,
    write_import_file,
)

pytestmark = pytest.mark.django_db

REQUIRED_KEYS = {
    "reference",
    "provider",
    "province",
    "type",
    "change_scope",
    "policy",
    "status",
    "deadline",
    "icp_number",
    "verifications",
}


@pytest.fixture
def imported(tmp_path, run_command):
    data = record(
        "change",
        "both",
        "miit-2020",
        leader=person(mobile="13800005555"),
        services=[
            website(person(mobile="13900006666"), domains=["示例.中国"]),
            app(person(mobile="13800005555")),
        ],
        submitted_at="2026-05-01T08:00:00+08:00",
    )
    code, out, err = run_command("import_filings", write_import_file(tmp_path, [data]))
    assert code == 0, out + err
    return data


def test_json_document(run_command, imported):
    code, out, _ = run_command("show_filing", imported["reference"], json=True)
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= REQUIRED_KEYS
    assert doc["reference"] == imported["reference"]
    assert doc["provider"] == "aliyun"
    assert doc["province"] == "bj"
    assert (doc["type"], doc["change_scope"], doc["policy"]) == (
        "change",
        "both",
        "miit-2020",
    )
    assert doc["status"] == "pending_verification"
    assert doc["deadline"] == "2026-05-02T08:00:00+08:00"
    assert doc["icp_number"] is None
    assert doc["verifications"] == [
        {
            "mobile": "13800005555",
            "roles": ["leader", "administrator"],
            "status": "pending",
            "failed_attempts": 0,
            "resends": 0,
        },
        {
            "mobile": "13900006666",
            "roles": ["administrator"],
            "status": "pending",
            "failed_attempts": 0,
            "resends": 0,
        },
    ]
    assert doc["services"][0]["domains"] == ["xn--fsq092h.xn--fiqs8s"]
    assert doc["services"][1]["app_identifier"].startswith("cn.example.app")


def test_text_output(run_command, imported):
    code, out, _ = run_command("show_filing", imported["reference"])
    assert code == 0
    assert f"Filing aliyun {imported['reference']}" in out
    assert "status:     pending_verification" in out
    assert "verification 13800005555 leader+administrator: pending" in out


def test_unknown_reference(run_command):
    code, _, err = run_command("show_filing", "NOPE-1")
    assert code == 1
    assert "No filing with reference 'NOPE-1'" in err


def test_shared_reference_needs_a_provider(tmp_path, run_command):
    data = record()
    other = own_subject(dict(data, provider="tencent"))
    run_command("import_filings", write_import_file(tmp_path, [data, other]))
    code, _, err = run_command("show_filing", data["reference"])
    assert code == 1
    assert "used by several providers (aliyun, tencent)" in err
    code, out, _ = run_command(
        "show_filing", data["reference"], provider="tencent", json=True
    )
    assert code == 0
    assert json.loads(out)["provider"] == "tencent"


def test_show_filing_query_count_does_not_grow_with_services(
    tmp_path, run_command, django_assert_max_num_queries
):
    data = record(services=[website() for _ in range(12)])
    run_command("import_filings", write_import_file(tmp_path, [data]))
    with django_assert_max_num_queries(6):
        code, _, _ = run_command("show_filing", data["reference"], json=True)
    assert code == 0
