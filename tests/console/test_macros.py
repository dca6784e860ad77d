"""Macros: supervisors define them; a run goes step by step through the same
overrides as the buttons, with each step's permission checked, and on each filing
either every step, the note and the follow-up are kept or none of them."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.utils import timezone, translation

from console import casework, overrides
from console.models import FollowUp, Macro, MacroAction, MacroStep, Note
from filings.models import AuditEvent, EventType, FilingStatus
from tests.console.conftest import make_staff, messages_of
from tests.factories import MacroFactory
from tests.verification.helpers import submitted_filing
from verification.models import SmsKind, SmsMessage

pytestmark = pytest.mark.django_db


def standard(name_en):
    call_command("add_standard_macros", verbosity=0)
    return Macro.objects.get(name_en=name_en)


def code_texts(filing):
    return SmsMessage.objects.filter(
        filing=filing, kind=SmsKind.VERIFICATION_CODE
    ).count()


def test_the_three_standard_macros(run_command):
    code, out, _ = run_command("add_standard_macros")
    assert code == 0 and out.startswith("3 standard macro(s) added")
    code, out, _ = run_command("add_standard_macros")
    assert out.startswith("0 standard macro(s) added; 3 already there.")
    steps = {m.name_en: [s.action for s in m.steps.all()] for m in Macro.objects.all()}
    assert steps == {
        "Customer never got the text": ["resend_code"],
        "Customer travelling: extend 24 h": ["extend_deadline"],
        "Customer asks to withdraw": ["cancel"],
    }


def test_customer_never_got_the_text(agent):
    filing, _, _ = submitted_filing()
    before = code_texts(filing)
    with translation.override("en"):
        done = casework.run_macro(
            standard("Customer never got the text"), filing, agent
        )
    assert code_texts(filing) == before + 2  # a new code to each person pending
    assert done[0] == "Resend a code to everyone pending (2 codes sent)"
    note = Note.objects.get(filing=filing)
    assert note.text.startswith("客户来电：未收到验证码短信。")
    assert filing.reference not in note.text  # the template had no {reference}
    follow_up = FollowUp.objects.get(filing=filing)
    assert follow_up.due_at > timezone.now() + datetime.timedelta(minutes=119)
    resent = AuditEvent.objects.filter(filing=filing, event_type="code_resent")
    assert {e.reason for e in resent} == {
        "客户称未收到验证码短信 / The customer says the text never arrived"
    }
    assert AuditEvent.objects.filter(
        filing=filing, event_type=EventType.MACRO_RUN, staff_user=agent
    ).exists()


def test_travelling_extends_by_24_hours(agent):
    filing, _, _ = submitted_filing()
    deadline = filing.verification_deadline
    casework.run_macro(standard("Customer travelling: extend 24 h"), filing, agent)
    filing.refresh_from_db()
    assert filing.verification_deadline == deadline + datetime.timedelta(hours=24)
    assert "新截止时间" in Note.objects.get(filing=filing).text


def test_a_step_the_role_does_not_allow_refuses_the_whole_macro(agent, supervisor):
    filing, _, _ = submitted_filing()
    withdraw = standard("Customer asks to withdraw")
    with translation.override("en"), pytest.raises(casework.MacroRefused) as refused:
        casework.run_macro(withdraw, filing, agent)
    assert str(refused.value) == "Your role does not allow: Cancel. Nothing was done."
    filing.refresh_from_db()
    assert filing.status == FilingStatus.PENDING_VERIFICATION
    assert not Note.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.MACRO_RUN).exists()
    casework.run_macro(withdraw, filing, supervisor)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.CANCELLED


@pytest.mark.parametrize(
    ("action", "permission"),
    [
        ("resend_code", "resend_code"),
        ("extend_deadline", "extend_deadline"),
        ("mark_verified", "override_verification"),
        ("return_to_provider", "return_filing"),
        ("cancel", "cancel_filing"),
        ("approve", "decide_filing"),
        ("reject", "decide_filing"),
    ],
)
def test_each_step_needs_its_own_permission(action, permission):
    assert set(MacroAction.values) == set(overrides.MACRO_STEPS)
    filing, _, _ = submitted_filing()
    macro = MacroFactory(steps=[(action, 24 if action == "extend_deadline" else None)])
    without = worker("without", [])
    with_it = worker("with", [permission])
    label = str(MacroStep(action=action).get_action_display())
    assert casework.missing_permissions(macro, without) == [label]
    assert casework.missing_permissions(macro, with_it) == []
    with pytest.raises(casework.MacroRefused):
        casework.run_macro(macro, filing, without)
    assert not AuditEvent.objects.filter(event_type=EventType.MACRO_RUN).exists()


def worker(username, filings_permissions):
    """A staff user who may work cases, with only the given override permissions."""
    user = make_staff(username, None, filings_permissions)
    user.user_permissions.add(Permission.objects.get(codename="work_cases"))
    return type(user).objects.get(pk=user.pk)  # no cached permissions


def test_a_refused_step_undoes_the_steps_before_it(
    supervisor, django_capture_on_commit_callbacks
):
    filing, _, _ = submitted_filing()
    deadline = filing.verification_deadline
    before = code_texts(filing)
    # extend, resend, then approve: a pending filing cannot be approved
    macro = MacroFactory(
        steps=[("extend_deadline", 24), ("resend_code", None), ("approve", None)],
        note_template="tried {reference}",
        follow_up_hours=2,
    )
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        translation.override("en"),
        pytest.raises(casework.MacroRefused) as refused,
    ):
        casework.run_macro(macro, filing, supervisor)
    assert str(refused.value) == (
        "“Approve” was refused: Not possible while the filing is “Pending SMS "
        "verification”. Nothing was done."
    )
    filing.refresh_from_db()
    assert filing.verification_deadline == deadline
    assert code_texts(filing) == before
    assert callbacks == []  # no text was handed to the gateway
    assert not AuditEvent.objects.filter(
        event_type__in=["deadline_extended", "code_resent", EventType.MACRO_RUN]
    ).exists()
    assert not Note.objects.exists() and not FollowUp.objects.exists()


def test_a_note_template_with_a_full_number_is_refused_at_run_time(supervisor):
    filing, leader, _ = submitted_filing()
    macro = MacroFactory(steps=[("extend_deadline", 2)], note_template="{reference}")
    filing.reference = leader.certificate_number
    filing.save()
    with pytest.raises(casework.MacroRefused):
        casework.run_macro(macro, filing, supervisor)
    assert not AuditEvent.objects.filter(event_type="deadline_extended").exists()


def test_on_the_queues_selected_rows_each_filing_alone(login, supervisor):
    pending, _, _ = submitted_filing()
    cancelled, _, _ = submitted_filing()
    casework.run_macro(standard("Customer asks to withdraw"), cancelled, supervisor)
    macro = standard("Customer travelling: extend 24 h")
    response = login(supervisor).post(
        "/admin/queue/",
        {"macro": macro.pk, "filing": [pending.pk, cancelled.pk]},
        follow=True,
    )
    said = messages_of(response)
    assert said[0] == "Customer travelling: extend 24 h: 1 filing done."
    assert said[1].startswith(
        f"Alibaba Cloud {cancelled.reference}: “Extend the deadline” was refused"
    )
    assert Note.objects.filter(filing=pending).count() == 1
    assert Note.objects.filter(filing=cancelled).count() == 1  # the withdrawal's own


def test_from_the_filing_page(login, agent):
    filing, _, _ = submitted_filing()
    macro = standard("Customer never got the text")
    response = login(agent).post(
        f"/admin/filings/filingapplication/{filing.pk}/case/macro/",
        {"macro": macro.pk},
        follow=True,
    )
    assert messages_of(response)[0].startswith(
        "Customer never got the text: Resend a code to everyone pending (2 codes sent); "
        "note written; follow-up at "
    )
    html = response.content.decode()
    assert "ran the macro “Customer never got the text”" in html
    assert "from the macro “Customer never got the text”" in html


def test_only_supervisors_edit_macros(login, agent, supervisor, auditor):
    standard("Customer never got the text")
    add = "/admin/console/macro/add/"
    assert login(agent).get(add).status_code == 403
    assert login(auditor).get(add).status_code == 403
    assert login(agent).get("/admin/console/macro/").status_code == 200
    data = {
        "name_zh": "补发",
        "name_en": "Resend",
        "reason_template": "for {nope}",
        "note_template": "",
        "position": 0,
        "is_active": "on",
        "steps-TOTAL_FORMS": 1,
        "steps-INITIAL_FORMS": 0,
        "steps-0-position": 1,
        "steps-0-action": "extend_deadline",
        "steps-0-hours": "",
    }
    response = login(supervisor).post(add, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown placeholder {nope}" in html
    assert "Extend by 1 to 336 hours." in html
    data.update({"reason_template": "for {reference}", "steps-0-hours": "12"})
    response = login(supervisor).post(add, data)
    assert response.status_code == 302
    assert MacroStep.objects.get(macro__name_en="Resend").hours == 12


def test_a_macro_that_is_not_offered_does_not_run(login, agent):
    filing, _, _ = submitted_filing()
    macro = standard("Customer never got the text")
    macro.is_active = False
    macro.save()
    response = login(agent).post(
        f"/admin/filings/filingapplication/{filing.pk}/case/macro/",
        {"macro": macro.pk},
        follow=True,
    )
    assert messages_of(response) == ["Choose a macro."]
    assert not Note.objects.exists()
    assert (
        "Customer never got the text"
        not in response.content.decode()
        .split('class="module case-work"')[1]
        .split("</section>")[0]
    )
