"""Each override: allowed, refused for want of permission, and refused as an illegal
move; each success leaves one audit event with the user and reason and a LogEntry."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry

from filings import transitions
from filings.models import AuditEvent, FilingApplication
from filings.privacy import mask_mobile
from tests.console.conftest import form_action, list_action, messages_of
from tests.verification.helpers import latest_code, submitted_filing, verify_person
from verification import actions as engine
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db


def new_events(filing, before):
    return list(AuditEvent.objects.filter(filing=filing, id__gt=before).order_by("id"))


def last_event_id():
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def under_review():
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    verify_person(filing, admin)
    return FilingApplication.objects.get(pk=filing.pk)


def assert_one_event(filing, before, user, reason, event_type):
    events = new_events(filing, before)
    assert [e.event_type for e in events] == [event_type], events
    assert (events[0].actor_kind, events[0].staff_user, events[0].reason) == (
        "staff",
        user,
        reason,
    )
    entry = LogEntry.objects.filter(object_id=str(filing.pk)).latest("id")
    assert entry.user == user and reason in entry.change_message


def test_confirmation_page_asks_for_a_reason(login, supervisor):
    client = login(supervisor)
    filing, _, _ = submitted_filing()
    page = form_action(client, filing, "cancel", confirm=False)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="reason"' in html and filing.reference in html
    assert 'name="CHANGE_FORM-action" value="cancel"' in html
    # confirming without a reason changes nothing
    page = form_action(client, filing, "cancel", reason="")
    assert FilingApplication.objects.get(pk=filing.pk).status == "pending_verification"


def test_resend_one_person(login, agent):
    client = login(agent)
    filing, leader, _ = submitted_filing()
    old = latest_code(leader.mobile)
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    before = last_event_id()
    page = form_action(
        client,
        filing,
        "resend_code",
        verification=verification.pk,
        reason="lost phone",
        anyway="on",  # the first code went out a moment ago: the console asks first
    )
    assert latest_code(leader.mobile) != old
    assert any("1 filing done" in m for m in messages_of(page))
    assert_one_event(filing, before, agent, "lost phone", "code_resent")


def test_resend_everyone_pending_from_the_list_ignores_the_cap(login, agent):
    client = login(agent)
    filing, leader, admin = submitted_filing("miit-current")
    for _ in range(2):
        engine.resend(engine.CENTRAL, leader.mobile, leader.certificate_number[-6:])
    before = SmsMessage.objects.filter(kind="verification_code").count()
    list_action(client, [filing], "resend_code", reason="gateway outage", anyway="on")
    assert SmsMessage.objects.filter(kind="verification_code").count() == before + 2


def test_resend_refused_when_nobody_is_pending(login, agent):
    client = login(agent)
    filing = under_review()
    before = last_event_id()
    page = list_action(client, [filing], "resend_code", reason="x")
    assert any(
        "Nobody on this filing is waiting for a code" in m for m in messages_of(page)
    )
    assert new_events(filing, before) == []


def test_extend_deadline(login, agent):
    client = login(agent)
    filing, _, _ = submitted_filing()
    old = filing.verification_deadline
    before = last_event_id()
    form_action(client, filing, "extend_deadline", hours="12", reason="holiday")
    filing.refresh_from_db()
    assert filing.verification_deadline == old + datetime.timedelta(hours=12)
    assert_one_event(filing, before, agent, "holiday", "deadline_extended")


def test_extend_deadline_illegal_for_a_filing_under_review(login, agent):
    client = login(agent)
    filing = under_review()
    page = form_action(client, filing, "extend_deadline", hours="12", reason="x")
    assert any(
        "Not possible while the filing is “Under review”" in m
        for m in messages_of(page)
    )


def test_mark_verified_completes_the_filing(login, supervisor):
    client = login(supervisor)
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    verification = Verification.objects.get(filing=filing, mobile=admin.mobile)
    before = last_event_id()
    form_action(
        client,
        filing,
        "mark_verified",
        verification=verification.pk,
        reason="identity checked by video call",
    )
    filing.refresh_from_db()
    assert filing.status == "under_review"
    events = new_events(filing, before)
    assert [e.event_type for e in events] == ["verified", "verification_completed"]
    assert all(e.staff_user == supervisor for e in events)
    assert events[0].reason == "identity checked by video call"


def test_change_mobile_reissues_the_code(login, supervisor):
    client = login(supervisor)
    filing, leader, _ = submitted_filing()
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    old_mobile = leader.mobile
    before = last_event_id()
    form_action(
        client,
        filing,
        "change_mobile",
        verification=verification.pk,
        new_mobile="+86 139 0000 7777",
        reason="number changed",
    )
    verification.refresh_from_db()
    leader.refresh_from_db()
    assert verification.mobile == leader.mobile == "13900007777"
    assert SmsMessage.objects.filter(
        recipient="13900007777", kind="verification_code"
    ).exists()
    events = new_events(filing, before)
    assert [e.event_type for e in events] == ["mobile_changed", "code_resent"]
    # masked in the audit trail
    assert events[0].data == {
        "verification": verification.pk,
        "from": mask_mobile(old_mobile),
        "to": "139****7777",
    }


def test_change_mobile_rejects_a_bad_number(login, supervisor):
    client = login(supervisor)
    filing, leader, _ = submitted_filing()
    verification = Verification.objects.get(filing=filing, mobile=leader.mobile)
    page = form_action(
        client,
        filing,
        "change_mobile",
        verification=verification.pk,
        new_mobile="123",
        reason="x",
    )
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    verification.refresh_from_db()
    assert verification.mobile == leader.mobile


@pytest.mark.parametrize(
    ("action", "setup", "to_status", "event"),
    [
        ("return_to_provider", "pending", "returned", "returned"),
        ("cancel", "pending", "cancelled", "cancelled"),
        ("approve", "review", "approved", "approved"),
        ("reject", "review", "rejected", "rejected"),
    ],
)
def test_status_moves(login, supervisor, action, setup, to_status, event):
    client = login(supervisor)
    filing = submitted_filing()[0] if setup == "pending" else under_review()
    before = last_event_id()
    form_action(
        client,
        filing,
        action,
        reason=f"{action} reason",
        rejection_reason="site_name_too_short",
    )
    filing.refresh_from_db()
    assert filing.status == to_status
    assert_one_event(filing, before, supervisor, f"{action} reason", event)


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_illegal_moves_change_nothing_and_say_why(login, supervisor, action):
    client = login(supervisor)
    filing, _, _ = submitted_filing()  # pending verification: cannot be decided yet
    before = last_event_id()
    page = form_action(
        client, filing, action, reason="too early", rejection_reason="cross_province"
    )
    filing.refresh_from_db()
    assert filing.status == "pending_verification"
    assert new_events(filing, before) == []
    assert any(
        "Not possible while the filing is “Pending SMS verification”" in m
        for m in messages_of(page)
    )


@pytest.mark.parametrize(
    "action", ["return_to_provider", "cancel", "approve", "reject"]
)
def test_no_move_out_of_a_final_status(login, supervisor, action):
    client = login(supervisor)
    filing = transitions.reject_filing(
        under_review(),
        actor=transitions.SYSTEM,
        code="certificate_scan_unreadable",
        reason="x",
    )
    before = last_event_id()
    page = form_action(
        client, filing, action, reason="again", rejection_reason="cross_province"
    )
    assert FilingApplication.objects.get(pk=filing.pk).status == "rejected"
    assert new_events(filing, before) == []
    assert any(
        "Not possible while the filing is “Rejected”" in m for m in messages_of(page)
    )


@pytest.mark.parametrize("action", ["mark_verified", "change_mobile"])
def test_person_overrides_need_someone_pending(login, supervisor, action):
    client = login(supervisor)
    filing = under_review()
    page = form_action(client, filing, action, reason="x", new_mobile="13900001111")
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()  # no pending person to choose
    assert FilingApplication.objects.get(pk=filing.pk).status == "under_review"


def test_bulk_reports_successes_and_refusals(login, supervisor):
    client = login(supervisor)
    pending = [submitted_filing()[0] for _ in range(2)]
    decided = transitions.approve_filing(under_review(), actor=transitions.SYSTEM)
    page = list_action(client, [*pending, decided], "cancel", reason="provider closed")
    messages = messages_of(page)
    assert any("2 filings done" in m for m in messages)
    assert any("1 filing refused" in m for m in messages)
    assert any(decided.reference in m and "is “Approved”" in m for m in messages)
    statuses = set(
        FilingApplication.objects.filter(pk__in=[f.pk for f in pending]).values_list(
            "status", flat=True
        )
    )
    assert statuses == {"cancelled"}


def test_select_across_is_refused_for_overrides(login, supervisor):
    client = login(supervisor)
    filing, _, _ = submitted_filing()
    page = client.post(
        "/admin/filings/filingapplication/",
        {
            "action": "cancel",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(filing.pk)],
        },
        follow=True,
    )
    assert any("one by one" in m for m in messages_of(page))
    filing.refresh_from_db()
    assert filing.status == "pending_verification"


def test_a_rejection_picks_its_reason_and_the_free_text_is_a_note(login, supervisor):
    client = login(supervisor)
    client.cookies["django_language"] = "en"
    filing = under_review()
    page = form_action(client, filing, "reject", confirm=False)
    assert "Rejection reason" in page.content.decode()
    assert "fewer than 3 characters" in page.content.decode()
    # No reason picked: nothing happens.
    form_action(client, filing, "reject", reason="no pick")
    assert FilingApplication.objects.get(pk=filing.pk).status == "under_review"
    # A reason and no note is enough.
    form_action(client, filing, "reject", rejection_reason="pre_approval_missing")
    filing.refresh_from_db()
    assert (filing.status, filing.rejection_reason) == (
        "rejected",
        "pre_approval_missing",
    )
    event = AuditEvent.objects.filter(filing=filing).latest("id")
    assert event.data == {"rejection_reason": "pre_approval_missing"}
    assert event.reason == ""
    page = client.get(f"/admin/filings/filingapplication/{filing.pk}/change/")
    assert "rejected the filing (A pre-approval (前置审批) the website" in (
        page.content.decode()
    )
