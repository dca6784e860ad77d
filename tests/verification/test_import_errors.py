"""Bad import records: field-level errors naming the record and field, nothing written."""

import pytest

from filings.models import (
    AuditEvent,
    Domain,
    FilingApplication,
    Person,
    Service,
    Subject,
)
from tests.records import (
    app,
    own_subject,
    person,
    record,
    website,
    write_import_file,
)
from verification import moves
from verification.models import Verification

pytestmark = pytest.mark.django_db

TABLES = [FilingApplication, Subject, Person, Service, Domain, Verification, AuditEvent]


def row_counts():
    return {model.__name__: model.objects.count() for model in TABLES}


def import_one(tmp_path, run_command, data):
    path = write_import_file(tmp_path, [data])
    return run_command("import_filings", path)


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"provider": "nosuch"}, "provider", "unknown provider 'nosuch'"),
        ({"province": "zz"}, "province", "unknown province 'zz'"),
        ({"reference": ""}, "reference", "is required"),
        ({"reference": "x" * 65}, "reference", "more than 64 characters"),
        ({"reference": "A\x00B"}, "reference", "control characters"),
        # A look-up value too: PostgreSQL would refuse the query itself.
        ({"provider": "\x00"}, "provider", "control characters"),
        ({"province": "g\x00s"}, "province", "control characters"),
        ({"type": "renew"}, "type", "'renew' is not one of"),
        ({"policy": "miit-1999"}, "policy", "'miit-1999' is not one of"),
        (
            {"policy": "pilot-2017", "province": "bj"},
            "policy",
            "never applied in Beijing",
        ),
        ({"change_scope": "subject"}, "change_scope", "only for change filings"),
        ({"submitted_at": "yesterday"}, "submitted_at", "ISO 8601"),
        ({"colour": "red"}, "colour", "unknown field"),
        ({"": 1}, '""', "unknown field"),
        ({"a b": 1}, '"a b"', "unknown field"),
        # \x85 is a line break to str.splitlines(): escaped, the message stays whole.
        ({"\x85": 1}, '"\\u0085"', "unknown field"),
        ({"颜色": 1}, "颜色", "unknown field"),
        ({"services": "example.cn"}, "services", "must be a list"),
        ({"services": []}, "services", "must name at least one service"),
        ({"subject": None}, "subject", "must be an object"),
    ],
)
def test_top_level_field_errors(tmp_path, run_command, change, field, fragment):
    data = record(**{"filing_type": "first_filing"})
    data.update(change)
    before = row_counts()
    code, out, err = import_one(tmp_path, run_command, data)
    assert code == 1
    assert f"[1/1] {data['provider']} {data['reference']}: not imported" in out
    assert any(
        line.strip().startswith(f"{field}:") and fragment in line
        for line in out.splitlines()
    ), out
    assert "1 failed of 1 records" in err
    assert row_counts() == before


def subject_leader(**fields):
    return record(leader=person(**fields))


@pytest.mark.parametrize(
    ("data", "field", "fragment"),
    [
        (
            subject_leader(mobile="12345"),
            "subject.leader.mobile",
            "valid mainland China",
        ),
        (subject_leader(mobile=""), "subject.leader.mobile", "Enter a mobile"),
        (
            subject_leader(emergency_mobile="abc"),
            "subject.leader.emergency_mobile",
            "digits only",
        ),
        (
            subject_leader(certificate_number="110105194912310021"),
            "subject.leader.certificate_number",
            "check digit",
        ),
        (
            subject_leader(certificate_type="uscc"),
            "subject.leader.certificate_type",
            "not allowed here",
        ),
        (subject_leader(name=""), "subject.leader.name", "is required"),
        (
            record(services=[website(domains=["http://x.cn"])]),
            "services[0].domains[0]",
            "without http://",
        ),
        (
            record(services=[website(domains=["a.cn", "A.CN"])]),
            "services[0].domains[1]",
            "listed twice",
        ),
        (
            record(services=[website(domains=[])]),
            "services[0].domains",
            "list of domains",
        ),
        (
            record(services=[website(app_identifier="cn.x.y")]),
            "services[0].app_identifier",
            "only for apps",
        ),
        (
            record(services=[app(domains=["a.cn"])]),
            "services[0].domains",
            "only for websites",
        ),
        (
            record(services=[app(app_identifier="not an id")]),
            "services[0].app_identifier",
            "cn.example.shop",
        ),
        (record(services=[website(kind="mini")]), "services[0].kind", "is not one of"),
        (
            record(services=[website(), website(person(mobile="999"))]),
            "services[1].administrator.mobile",
            "valid mainland China",
        ),
        (
            record(services=[website(administrator="nobody")]),
            "services[0].administrator",
            "object",
        ),
    ],
)
def test_nested_field_errors(tmp_path, run_command, data, field, fragment):
    before = row_counts()
    code, out, _ = import_one(tmp_path, run_command, data)
    assert code == 1
    assert any(
        line.strip().startswith(f"{field}:") and fragment in line
        for line in out.splitlines()
    ), out
    assert row_counts() == before


def test_subject_certificate_must_fit_its_nature(tmp_path, run_command):
    data = record()
    data["subject"]["nature"] = "individual"  # still carries a USCC
    code, out, _ = import_one(tmp_path, run_command, data)
    assert code == 1
    assert "subject.certificate_type: 'uscc' is not allowed here" in out


def test_change_needs_a_scope(tmp_path, run_command):
    code, out, _ = import_one(tmp_path, run_command, record("change", None))
    assert code == 1
    assert "change_scope: is required" in out


def test_every_error_of_a_record_is_reported(tmp_path, run_command):
    data = record(leader=person(mobile="1", certificate_number="1"))
    data["province"] = "zz"
    code, out, _ = import_one(tmp_path, run_command, data)
    fields = {line.split(":")[0].strip() for line in out.splitlines()[1:]}
    assert {
        "province",
        "subject.leader.mobile",
        "subject.leader.certificate_number",
    } <= fields


def test_good_records_are_written_and_bad_ones_named(tmp_path, run_command):
    good, bad, also_good = record(), record(leader=person(mobile="1")), record()
    path = write_import_file(tmp_path, [good, bad, also_good])
    code, out, err = run_command("import_filings", path)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"[1/3] aliyun {good['reference']}: created")
    assert lines[1] == f"[2/3] aliyun {bad['reference']}: not imported"
    assert f"[3/3] aliyun {also_good['reference']}: created" in out
    assert "2 imported, 0 skipped, 1 failed of 3 records." in err
    assert set(FilingApplication.objects.values_list("reference", flat=True)) == {
        good["reference"],
        also_good["reference"],
    }


def test_reimport_is_refused_and_not_duplicated(tmp_path, run_command):
    data = record()
    assert import_one(tmp_path, run_command, data)[0] == 0
    before = row_counts()
    code, out, _ = import_one(tmp_path, run_command, data)
    assert code == 1
    assert f"reference: aliyun {data['reference']} already exists" in out
    assert row_counts() == before


def test_same_reference_twice_in_one_file(tmp_path, run_command):
    data = record()
    path = write_import_file(tmp_path, [data, dict(data)])
    code, out, _ = run_command("import_filings", path)
    assert code == 1
    assert FilingApplication.objects.filter(reference=data["reference"]).count() == 1


def test_same_reference_for_another_provider_is_fine(tmp_path, run_command):
    data = record()
    other = own_subject(dict(data, provider="jdcloud"))
    path = write_import_file(tmp_path, [data, other])
    assert run_command("import_filings", path)[0] == 0
    assert FilingApplication.objects.filter(reference=data["reference"]).count() == 2


def test_skip_existing(tmp_path, run_command):
    data = record()
    import_one(tmp_path, run_command, data)
    path = write_import_file(tmp_path, [data])
    code, out, _ = run_command("import_filings", path, skip_existing=True)
    assert code == 0
    assert "skipped, already imported" in out


def test_skip_existing_with_control_characters_reports_them(tmp_path, run_command):
    data = record(provider="\x00", reference="A\x00B")
    path = write_import_file(tmp_path, [data])
    code, out, _ = run_command("import_filings", path, skip_existing=True)
    assert code == 1
    assert "provider: contains control characters" in out
    assert "reference: contains control characters" in out


def test_failure_while_writing_leaves_nothing(tmp_path, run_command, monkeypatch):
    """A crash after the rows are written but inside the transaction rolls back all."""

    def explode(*args, **kwargs):
        raise RuntimeError("administration unreachable")

    monkeypatch.setattr(moves, "submit_filing", explode)
    before = row_counts()
    data = record()
    code, out, err = import_one(tmp_path, run_command, data)
    assert code == 1
    assert (
        f"{data['reference']}: not imported (unexpected error: administration "
        "unreachable)" in out
    )
    assert "1 failed of 1 records" in err
    assert row_counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON (line 1"),
        ('{"records": []}', 'expected an object {"filings": [...]}'),
        ("[]", 'expected an object {"filings": [...]}'),
    ],
)
def test_unreadable_files(tmp_path, run_command, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    code, _, err = run_command("import_filings", str(path))
    assert code == 1
    assert message in err


def test_missing_file(tmp_path, run_command):
    code, _, err = run_command("import_filings", str(tmp_path / "nope.json"))
    assert code == 1
    assert "no such file" in err


def test_record_that_is_not_an_object(tmp_path, run_command):
    path = write_import_file(tmp_path, ["just a string"])
    code, out, _ = run_command("import_filings", path)
    assert code == 1
    assert "record: must be an object" in out


def test_sample_file_imports_cleanly(run_command, settings):
    code, out, err = run_command(
        "import_filings", str(settings.BASE_DIR / "samples" / "filings.json")
    )
    assert code == 0, out + err
    assert "7 imported, 0 skipped, 0 failed of 7 records." in out
