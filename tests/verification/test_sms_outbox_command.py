"""sms_outbox: the database outbox, oldest first, as text or JSON."""

import json

import pytest

from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def test_json_lists_messages_oldest_first(run_command):
    _, leader, admin = submitted_filing()
    code, out, _ = run_command("sms_outbox", json=True)
    assert code == 0
    items = json.loads(out)
    assert [(i["recipient"], i["kind"]) for i in items] == [
        (leader.mobile, "notification"),
        (admin.mobile, "notification"),
        (leader.mobile, "verification_code"),
        (admin.mobile, "verification_code"),
    ]
    assert {"kind", "sender", "recipient", "text", "sent_at"} <= set(items[0])
    assert items[2]["sender"] == "12381"


def test_filter_by_mobile_accepts_any_notation(run_command):
    _, leader, _ = submitted_filing()
    spaced = f"+86 {leader.mobile[:3]} {leader.mobile[3:7]} {leader.mobile[7:]}"
    code, out, _ = run_command("sms_outbox", to=spaced, json=True)
    items = json.loads(out)
    assert len(items) == 2
    assert {i["recipient"] for i in items} == {leader.mobile}


def test_text_output_and_empty_outbox(run_command):
    code, out, _ = run_command("sms_outbox")
    assert out.strip() == "The outbox is empty."
    _, leader, _ = submitted_filing()
    code, out, _ = run_command("sms_outbox", to=leader.mobile)
    assert f"12381 -> {leader.mobile} [verification_code]" in out
    assert "验证码为" in out


def test_bad_mobile_is_a_clear_error(run_command):
    code, _, err = run_command("sms_outbox", to="12")
    assert code == 1
    assert "--to '12'" in err
