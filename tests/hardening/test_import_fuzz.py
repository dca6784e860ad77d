"""Property-based fuzzing of `import_filings`: whatever a record holds, the command
answers with field messages (never a traceback or an "unexpected error"), and a
refused record leaves no row behind."""

import copy
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filings.models import (
    AuditEvent,
    Domain,
    FilingApplication,
    Person,
    Service,
    Subject,
)
from tests.records import app, person, record, website, write_import_file
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db

TABLES = [
    FilingApplication,
    Subject,
    Person,
    Service,
    Domain,
    Verification,
    AuditEvent,
    SmsMessage,
]

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=80),
    st.text(alphabet="0123456789Xx ＋+-　", max_size=25),
    st.sampled_from(["", " ", "\x00", "null", "website", "app", "resident_id", "uscc"]),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=10)), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)


def paths(value, prefix=()):
    """Every (path) to a value inside a record: dict keys and list indexes."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def mutated(data, path, junk, delete):
    data = copy.deepcopy(data)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = junk
    return data


def row_counts():
    return {model.__name__: model.objects.count() for model in TABLES}


BASES = {
    "website": lambda: record(),
    "app and website": lambda: record(
        services=[website(), app(administrator=person("赵六"))]
    ),
    "change of subject": lambda: record(
        filing_type="change", change_scope="subject", policy="provincial-2019"
    ),
}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_record_gets_field_messages_or_is_imported_whole(
    tmp_path, run_command, caplog, data
):
    base = BASES[data.draw(st.sampled_from(sorted(BASES)), label="base")]()
    path = data.draw(st.sampled_from(paths(base)), label="path")
    junk = data.draw(JUNK, label="value")
    delete = data.draw(st.booleans(), label="delete the key instead")
    candidate = mutated(base, path, junk, delete)

    before = row_counts()
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        code, out, err = run_command(
            "import_filings", write_import_file(tmp_path, [candidate])
        )
    after = row_counts()

    assert "unexpected error" not in out, out
    assert "Traceback" not in out + err
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], out
    if code == 0:
        assert after["FilingApplication"] == before["FilingApplication"] + 1
    else:
        assert after == before, f"a refused record left rows behind: {out}"
        lines = out.splitlines()
        assert any(line.endswith("not imported") for line in lines), out
        # Every refusal names the field and says what is wrong with it.
        messages = [line for line in lines if line.startswith("    ")]
        assert messages, out
        assert all(": " in line.strip() for line in messages), out


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(junk=JUNK)
def test_a_record_that_is_not_an_object_is_refused_with_a_message(
    tmp_path, run_command, junk
):
    before = row_counts()
    code, out, err = run_command("import_filings", write_import_file(tmp_path, [junk]))
    assert code == 1
    assert "unexpected error" not in out and "Traceback" not in out + err
    assert row_counts() == before
    assert any(line.startswith("    ") for line in out.splitlines()), out
