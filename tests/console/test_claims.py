"""Owners: an agent claims a filing, a supervisor assigns or releases it; each is an
audit event and a line of the timeline."""

import re

import pytest
from django.utils import translation

from console import casework, story, timeline
from console.models import Case
from filings.models import AuditEvent, EventType
from tests.concurrency import race
from tests.conftest import postgres_only
from tests.console.conftest import change_url, make_staff, messages_of
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def case_url(filing, do):
    return f"/admin/filings/filingapplication/{filing.pk}/case/{do}/"


def test_an_agent_claims_a_filing(login, agent):
    filing, _, _ = submitted_filing()
    response = login(agent).post(case_url(filing, "claim"), follow=True)
    assert messages_of(response) == ["You have this filing now."]
    assert Case.objects.get(filing=filing).owner == agent
    event = AuditEvent.objects.get(filing=filing, event_type=EventType.CLAIMED)
    assert event.staff_user == agent
    assert 'data-owner="agent"' in response.content.decode()


def test_claiming_ones_own_filing_again_changes_nothing(agent):
    filing, _, _ = submitted_filing()
    casework.claim(filing, agent)
    casework.claim(filing, agent)
    assert AuditEvent.objects.filter(event_type=EventType.CLAIMED).count() == 1


def test_a_second_agent_is_told_who_has_it(login, agent):
    filing, _, _ = submitted_filing()
    casework.claim(filing, agent)
    other = make_staff("li", "Support agent")
    response = login(other).post(case_url(filing, "claim"), follow=True)
    assert messages_of(response) == ["Support agent agent has this filing already."]
    assert Case.objects.get(filing=filing).owner == agent


def test_an_agent_releases_their_own_but_not_anothers(agent):
    filing, _, _ = submitted_filing()
    other = make_staff("li", "Support agent")
    casework.claim(filing, other)
    with translation.override("en"), pytest.raises(casework.CaseRefused) as refused:
        casework.release(filing, agent)
    assert "only a supervisor can release it" in str(refused.value)
    casework.release(filing, other)
    assert Case.objects.get(filing=filing).owner is None


def test_a_supervisor_assigns_and_releases(agent, supervisor):
    filing, _, _ = submitted_filing()
    other = make_staff("li", "Support agent")
    casework.claim(filing, other)
    casework.assign(filing, agent, supervisor)
    assert Case.objects.get(filing=filing).owner == agent
    casework.release(filing, supervisor)
    assert Case.objects.get(filing=filing).owner is None
    told = story.load(filing)
    with translation.override("en"):
        lines = [e.sentence for e in timeline.timeline(told, {})]
    assert (
        "Supervisor supervisor released the filing; nobody has it now (it was with agent)"
        in lines
    )
    assert "Supervisor supervisor assigned the filing to agent; it was with li" in lines
    assert "Support agent li took the filing (“I have this”)" in lines


def test_agents_cannot_assign_and_auditors_change_nothing(agent, auditor, supervisor):
    filing, _, _ = submitted_filing()
    with pytest.raises(casework.CaseRefused):
        casework.assign(filing, supervisor, agent)
    for attempt in (
        lambda: casework.claim(filing, auditor),
        lambda: casework.add_note(filing, auditor, "called"),
    ):
        with pytest.raises(casework.CaseRefused):
            attempt()
    assert not Case.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.CLAIMED).exists()


def test_an_auditor_cannot_be_assigned(supervisor, auditor):
    filing, _, _ = submitted_filing()
    with translation.override("en"), pytest.raises(casework.CaseRefused) as refused:
        casework.assign(filing, auditor, supervisor)
    assert str(refused.value) == (
        "auditor cannot work cases; choose an agent or a supervisor."
    )


def test_the_filing_page_in_chinese_names_the_owner(login, agent, auditor):
    filing, _, _ = submitted_filing()
    casework.claim(filing, agent)
    html = login(auditor, "zh-hans").get(change_url(filing)).content.decode()
    assert "客服专员 agent 正在处理此备案。" in html
    assert "您的角色只能查看工单处理，不能更改。" in html
    assert 'id="claim"' not in html


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_agents_claiming_at_once_one_wins(reference_data):
    filing, _, _ = submitted_filing()
    agents = [make_staff(f"racer{i}", "Support agent") for i in range(2)]
    outcomes = race([lambda a=a: casework.claim(filing, a) for a in agents])
    won = [o for o in outcomes if isinstance(o, Case)]
    lost = [o for o in outcomes if isinstance(o, casework.AlreadyOwned)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].owner == won[0].owner
    assert Case.objects.get(filing=filing).owner == won[0].owner
    assert AuditEvent.objects.filter(event_type=EventType.CLAIMED).count() == 1


def test_a_supervisor_assigns_from_the_filing_page(login, agent, supervisor, auditor):
    filing, _, _ = submitted_filing()
    client = login(supervisor)
    html = client.get(change_url(filing)).content.decode()
    options = re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html)
    assert {"agent", "supervisor"} <= set(options)
    assert "auditor" not in options  # an auditor cannot be given a case
    response = client.post(case_url(filing, "assign"), {"agent": agent.pk}, follow=True)
    assert messages_of(response) == ["Support agent agent has this filing now."]
    assert Case.objects.get(filing=filing).owner == agent
    html = login(agent).get(change_url(filing)).content.decode()
    assert 'id="assign"' not in html  # agents do not assign
    assert 'id="release"' in html  # but release their own
    refused = login(agent).post(
        case_url(filing, "assign"), {"agent": agent.pk}, follow=True
    )
    assert messages_of(refused) == ["Your role does not allow this; ask a supervisor."]
