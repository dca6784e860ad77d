"""An exercise is marked from the filing's audit trail: handled when the trainee did
the expected steps in their order and nothing to avoid; else what is missing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from console import casework
from console.models import Macro
from demo import gateway, training
from verification import staff_actions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH


def result_of(run):
    with translation.override("en"):
        return training.check(run)


def pending_person(filing):
    return filing.verifications.filter(status="pending").first()


def test_handled_with_the_macro(agent, supervisor):
    call_command("add_standard_macros", verbosity=0)
    run = training.create_run("never_got_text", agent, supervisor)
    assert not result_of(run).started
    macro = Macro.objects.get(name_en="Customer never got the text")
    casework.run_macro(macro, run.filing, agent)
    result = result_of(run)
    assert result.handled and result.missing == [] and result.avoided == []
    assert [words for _, words in result.done] == [
        "ran the macro “Customer never got the text”",
        "send a new code",
        "write an internal note",
        "set a follow-up",
    ]


def test_not_handled_shows_what_is_missing(agent, supervisor):
    run = training.create_run("never_got_text", agent, supervisor)
    casework.add_note(run.filing, agent, "客户说没收到短信")
    result = result_of(run)
    assert not result.handled
    assert [words for _, words in result.done] == ["write an internal note"]
    assert result.missing == ["send a new code", "set a follow-up"]


def test_the_expected_order_counts(agent, supervisor):
    run = training.create_run("never_got_text", agent, supervisor)
    filing = run.filing
    casework.set_follow_up(filing, agent, timezone.now() + datetime.timedelta(hours=2))
    staff_actions.staff_resend(pending_person(filing), agent, "客户未收到短信")
    casework.add_note(filing, agent, "已重发")
    result = result_of(run)
    assert [words for _, words in result.done] == [
        "set a follow-up",
        "send a new code",
        "write an internal note",
    ]
    assert result.missing == ["set a follow-up"] and not result.handled


def test_a_step_to_avoid_spoils_it(agent, supervisor):
    run = training.create_run("shared_mobile", agent, supervisor)
    staff_actions.staff_resend(pending_person(run.filing), agent, "客户要第二条验证码")
    casework.add_note(run.filing, agent, "已说明")
    result = result_of(run)
    assert result.missing == [] and result.avoided == ["send a new code"]
    assert not result.handled


def test_only_the_trainees_own_work_counts(agent, supervisor):
    run = training.create_run("shared_mobile", agent, supervisor)
    casework.add_note(run.filing, supervisor, "示范备注")
    assert result_of(run).missing == ["write an internal note"]
    casework.add_note(run.filing, agent, "已说明一人一码")
    assert result_of(run).handled
