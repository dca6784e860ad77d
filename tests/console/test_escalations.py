"""Escalations: an agent asks for an override their role lacks; a supervisor
approves (the override runs as the supervisor, audited with both names) or declines
with a reason; the agent reads the answer on their queue."""

import pytest
from django.urls import reverse
from django.utils import translation

from console import casework, escalations
from console.models import Escalation, EscalationStatus
from filings.models import AuditEvent, EventType, FilingApplication
from tests.console.conftest import change_url, make_staff, messages_of
from tests.factories import FilingFactory
from tests.verification.helpers import submitted_filing
from verification import moves

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The refusals read below in English, whatever language an earlier test in the
    process left active (a request's language stays active after it)."""
    with translation.override("en"):
        yield


def ask(client, filing, action="mark_verified", **data):
    return client.post(
        reverse("admin:escalation_ask", args=[filing.pk]),
        {"action": action, "reason": "customer proved who they are on a call", **data},
        follow=True,
    )


def answer(client, escalation, what, **data):
    return client.post(
        reverse("admin:escalation_answer", args=[escalation.pk, what]),
        data,
        follow=True,
    )


def test_an_agent_sees_ask_a_supervisor_beside_what_their_role_lacks(login, agent):
    filing, _, _ = submitted_filing()
    page = login(agent).get(change_url(filing)).content.decode()
    assert 'id="ask-mark_verified"' in page and 'id="ask-cancel"' in page
    assert 'id="ask-resend_code"' not in page  # an agent may resend themselves
    assert 'id="ask-change_mobile"' not in page  # a new mobile is typed, not asked


def test_approval_runs_the_override_as_the_supervisor_with_both_names(
    login, agent, supervisor
):
    filing, leader, _ = submitted_filing()
    verification = filing.verifications.get(mobile=leader.mobile)
    page = ask(login(agent), filing, verification=verification.pk)
    assert any("went to the supervisors" in m for m in messages_of(page))
    request = Escalation.objects.get()
    assert (request.status, request.asked_by, request.verification) == (
        "pending",
        agent,
        verification,
    )
    client = login(supervisor)
    listing = client.get(reverse("admin:escalations")).content.decode()
    assert filing.reference in listing and "customer proved who they are" in listing
    answer(client, request, "approve")
    verification.refresh_from_db()
    assert verification.status == "verified"
    request.refresh_from_db()
    assert (request.status, request.answered_by) == ("approved", supervisor)
    verified = AuditEvent.objects.get(filing=filing, event_type=EventType.VERIFIED)
    assert verified.staff_user == supervisor
    assert verified.reason == "customer proved who they are on a call"  # the agent's
    approved = AuditEvent.objects.get(
        filing=filing, event_type=EventType.ESCALATION_APPROVED
    )
    assert approved.staff_user == supervisor and approved.data["asked_by"] == "agent"
    story = login(supervisor).get(change_url(filing)).content.decode()
    assert "approved agent’s request to “Mark everyone pending verified”" in story


def test_decline_needs_a_reason_and_the_agent_reads_it_on_their_queue(
    login, agent, supervisor
):
    filing, _, _ = submitted_filing()
    ask(login(agent), filing, action="cancel")
    request = Escalation.objects.get()
    client = login(supervisor)
    page = answer(client, request, "decline", answer="  ")
    assert any("Write why you decline" in m for m in messages_of(page))
    assert Escalation.objects.get().status == "pending"
    answer(client, request, "decline", answer="the provider must cancel it")
    request.refresh_from_db()
    assert request.status == EscalationStatus.DECLINED
    assert FilingApplication.objects.get(pk=filing.pk).status == "pending_verification"
    assert AuditEvent.objects.filter(
        filing=filing, event_type=EventType.ESCALATION_DECLINED, staff_user=supervisor
    ).exists()
    queue = login(agent).get(reverse("admin:queue")).content.decode()
    assert "Your requests to a supervisor" in queue
    assert "Declined" in queue and "the provider must cancel it" in queue


def test_only_supervisors_answer(login, agent, auditor):
    filing, _, _ = submitted_filing()
    request = escalations.ask(filing, agent, "cancel", "wrong entity")
    for user in (agent, auditor):
        client = login(user)
        assert client.get(reverse("admin:escalations")).status_code == 403
        assert answer(client, request, "approve").status_code == 403
    assert Escalation.objects.get().status == "pending"


def test_an_auditor_cannot_ask_and_an_agent_cannot_ask_for_what_they_may_do(
    agent, auditor
):
    filing, _, _ = submitted_filing()
    with pytest.raises(casework.CaseRefused):
        escalations.ask(filing, auditor, "cancel", "why")
    with pytest.raises(casework.CaseRefused, match="use the button"):
        escalations.ask(filing, agent, "resend_code", "why")
    assert not Escalation.objects.exists()


def test_asking_twice_for_the_same_override_is_refused(agent):
    filing, _, _ = submitted_filing()
    escalations.ask(filing, agent, "cancel", "duplicate filing")
    with pytest.raises(casework.CaseRefused, match="already"):
        escalations.ask(filing, agent, "cancel", "duplicate filing")
    assert Escalation.objects.count() == 1


def test_a_reason_with_a_full_mobile_is_refused(agent):
    filing, leader, _ = submitted_filing()
    with pytest.raises(casework.CaseRefused, match="masked"):
        escalations.ask(filing, agent, "cancel", f"call {leader.mobile}")
    assert not Escalation.objects.exists()


def test_a_request_is_answered_once(agent, supervisor):
    filing, _, _ = submitted_filing()
    request = escalations.ask(filing, agent, "cancel", "duplicate filing")
    other = make_staff("li", "Supervisor")
    escalations.decline(request, other, "no")
    with (
        translation.override("en"),
        pytest.raises(casework.CaseRefused, match="answered this request already"),
    ):
        escalations.approve(request, supervisor)
    assert FilingApplication.objects.get(pk=filing.pk).status == "pending_verification"


def test_an_override_the_filing_no_longer_allows_leaves_the_request_waiting(
    agent, supervisor
):
    filing, _, _ = submitted_filing()
    request = escalations.ask(filing, agent, "mark_verified", "identity checked")
    moves.cancel_filing(filing, actor=moves.Actor.staff(supervisor), reason="dup")
    with translation.override("en"), pytest.raises(casework.CaseRefused):
        escalations.approve(request, supervisor)
    request.refresh_from_db()
    assert request.status == "pending"
    assert not AuditEvent.objects.filter(
        event_type=EventType.ESCALATION_APPROVED
    ).exists()


def test_an_extension_request_carries_its_hours(login, agent, supervisor):
    filing, _, _ = submitted_filing()
    before = filing.verification_deadline
    deny = {"extend_deadline"}
    agent.user_permissions.clear()
    agent.groups.first().permissions.remove(
        *agent.groups.first().permissions.filter(codename__in=deny)
    )
    agent = type(agent).objects.get(pk=agent.pk)  # a fresh permission cache
    ask(login(agent), filing, action="extend_deadline", hours="48")
    request = Escalation.objects.get()
    assert request.hours == 48
    escalations.approve(request, supervisor)
    filing.refresh_from_db()
    assert (filing.verification_deadline - before).total_seconds() == 48 * 3600


def test_the_supervisors_list_reads_in_a_fixed_number_of_queries(
    login, supervisor, django_assert_max_num_queries
):
    client = login(supervisor)
    for n in range(3):
        filing, _, _ = submitted_filing()
        escalations.ask(filing, make_staff(f"a{n}", "Support agent"), "cancel", "dup")
    client.get(reverse("admin:escalations"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("admin:escalations"))
    for n in range(3, 9):
        filing, _, _ = submitted_filing()
        escalations.ask(filing, make_staff(f"a{n}", "Support agent"), "cancel", "dup")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("admin:escalations"))


def test_an_agent_past_their_extension_limits_may_ask(agent, supervisor, settings):
    settings.DEADLINE_EXTENSIONS_MAX = 1
    filing, _, _ = submitted_filing()
    before = FilingApplication.objects.get(pk=filing.pk).verification_deadline
    moves.extend_deadline(filing, hours=24, actor=moves.Actor.staff(agent), reason="x")
    request = escalations.ask(filing, agent, "extend_deadline", "travelling", hours=48)
    escalations.approve(request, supervisor)
    after = FilingApplication.objects.get(pk=filing.pk).verification_deadline
    assert (after - before).total_seconds() == 72 * 3600


def test_a_request_the_filing_does_not_allow_is_refused_when_asked(agent):
    filing, _, _ = submitted_filing()
    with pytest.raises(casework.CaseRefused, match="Not possible"):
        escalations.ask(filing, agent, "approve", "looks fine")
    assert not Escalation.objects.exists()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"action": "extend_deadline", "hours": "0"}, "how many hours"),
        ({"action": "extend_deadline", "hours": "abc"}, "how many hours"),
        ({"action": "x" * 40}, "Choose an override"),
        ({"action": "mark_verified", "verification": "abc"}, "does not belong"),
        ({"action": "cancel", "reason": " "}, "Write why you ask"),
    ],
)
def test_each_wrong_ask_says_what_is_wrong(login, agent, data, said):
    filing, _, _ = submitted_filing()
    page = ask(login(agent), filing, **data)
    assert any(said in m for m in messages_of(page)), messages_of(page)
    assert not Escalation.objects.exists()


def test_stray_hours_are_ignored_where_the_override_takes_none(login, agent):
    filing, _, _ = submitted_filing()
    ask(login(agent), filing, action="cancel", hours="99999")
    assert Escalation.objects.get().hours is None


def test_a_request_for_one_person_is_named_so(login, agent, supervisor):
    filing, leader, _ = submitted_filing()
    verification = filing.verifications.get(mobile=leader.mobile)
    ask(login(agent), filing, verification=verification.pk)
    page = login(supervisor).get(reverse("admin:escalations")).content.decode()
    assert "Mark a person verified" in page and "Mark everyone pending" not in page


def test_an_agent_asks_to_reject_with_a_catalogued_reason(login, agent, supervisor):
    filing = moves.submit_filing(FilingFactory(filing_type="cancel_access"))
    client = login(agent)
    client.cookies["django_language"] = "en"
    page = client.get(change_url(filing)).content.decode()
    assert 'id="ask-rejection"' in page
    assert "The website&#x27;s name has fewer than 3 characters." in page
    refused = ask(client, filing, action="reject")
    assert any("Choose the rejection reason." in m for m in messages_of(refused))
    assert not Escalation.objects.exists()
    ask(client, filing, action="reject", rejection_reason="site_open_before_filing")
    request = Escalation.objects.get()
    assert request.rejection_reason == "site_open_before_filing"
    answer(login(supervisor), request, "approve")
    filing.refresh_from_db()
    assert (filing.status, filing.rejection_reason) == (
        "rejected",
        "site_open_before_filing",
    )
