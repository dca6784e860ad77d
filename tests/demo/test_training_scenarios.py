"""Each training scenario builds, through the engine, a filing in its troubled state,
and asks its question; outside demo mode none is built."""

import datetime

import pytest
from django.utils import timezone, translation

from demo import gateway, training
from demo.models import TrainingRun
from filings import review_outcomes
from filings.conflicts import SubmissionConflict
from filings.importing import parse_record
from filings.models import EventType, FilingApplication
from infra.times import BEIJING
from tests.verification.helpers import filing_in
from verification import administration, moves
from verification.models import (
    Attempt,
    ContactCheck,
    DeliveryReport,
    SmsKind,
    SmsMessage,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH


def run_of(key, agent, supervisor):
    run = training.create_run(key, agent, supervisor)
    run.refresh_from_db()
    return run, run.filing


def people(filing):
    """{role: verification} ("leader", "administrator", or "both")."""
    found = {}
    for verification in filing.verifications.all():
        if verification.is_leader and verification.is_administrator:
            found["both"] = verification
        elif verification.is_leader:
            found["leader"] = verification
        else:
            found["administrator"] = verification
    return found


def code_texts(verification):
    return list(
        SmsMessage.objects.filter(
            verification=verification, kind=SmsKind.VERIFICATION_CODE
        ).order_by("id")
    )


def question_of(run):
    with translation.override("en"):
        scenario = training.BY_KEY[run.scenario]
        return training.told(run, scenario.situation), str(scenario.question)


def test_the_customer_never_got_the_text(demo, agent, supervisor):
    run, filing = run_of("never_got_text", agent, supervisor)
    assert filing.status == "pending_verification"
    by_role = people(filing)
    assert by_role["administrator"].status == "verified"
    assert by_role["leader"].status == "pending"
    [text] = code_texts(by_role["leader"])
    assert (text.status, text.report, text.report_code) == (
        "sent",
        DeliveryReport.UNDELIVERED,
        "UNDELIV",
    )
    assert by_role["leader"].code_delivered_at is None
    situation, question = question_of(run)
    assert run.details["name"] in situation and "no text" in situation
    assert question == "What became of the text, and how do you handle the call?"


def test_five_wrong_certificate_digits(demo, agent, supervisor):
    run, filing = run_of("five_wrong_digits", agent, supervisor)
    assert (filing.policy, filing.status) == ("provincial-2019", "returned")
    [person] = people(filing).values()
    assert (person.status, person.failed_attempts) == ("failed", 5)
    attempts = list(Attempt.objects.filter(verification=person).order_by("id"))
    assert [a.reason for a in attempts] == ["wrong_certificate"] * 4 + ["failure_limit"]
    assert {a.channel for a in attempts} == {"p:zj"}
    assert {a.wrong_part for a in attempts} == {"certificate"}
    _, question = question_of(run)
    assert question == "What happened, and what can still be done?"


def test_the_deadline_passed_overnight(demo, agent, supervisor):
    run, filing = run_of("deadline_overnight", agent, supervisor)
    assert filing.status == "returned"
    deadline = filing.verification_deadline
    assert deadline < timezone.now()
    assert timezone.localtime(deadline, BEIJING).time() == datetime.time(22, 50)
    assert filing.submitted_at == deadline - datetime.timedelta(hours=24)
    by_role = people(filing)
    assert (by_role["leader"].status, by_role["administrator"].status) == (
        "verified",
        "expired",
    )
    expired = filing.audit_events.get(event_type=EventType.EXPIRED)
    assert expired.created_at == deadline + datetime.timedelta(minutes=5)
    submitted = filing.audit_events.get(event_type="submitted")
    assert submitted.created_at == filing.submitted_at  # the story's own moments
    late = Attempt.objects.filter(mobile=by_role["administrator"].mobile).get()
    assert late.created_at > deadline and late.status is not None
    _, question = question_of(run)
    assert question.startswith("Why does the code no longer work")


def test_the_administrator_changed_phones(demo, agent, supervisor):
    run, filing = run_of("administrator_changed_phones", agent, supervisor)
    assert filing.status == "pending_verification"
    by_role = people(filing)
    assert by_role["leader"].status == "verified"
    administrator = by_role["administrator"]
    new_mobile = run.details["new_mobile"]
    assert administrator.status == "pending" and administrator.mobile != new_mobile
    assert code_texts(administrator)[0].report == DeliveryReport.DELIVERED
    asked = Attempt.objects.get(mobile=new_mobile)
    assert (asked.action, asked.status) == ("resend", 100)
    situation, _ = question_of(run)
    assert new_mobile in situation
    answer = training.told(run, training.BY_KEY[run.scenario].answer)
    assert administrator.mobile[-4:] in answer and new_mobile in answer


def test_both_roles_share_one_mobile(demo, agent, supervisor):
    run, filing = run_of("shared_mobile", agent, supervisor)
    assert filing.status == "pending_verification"
    by_role = people(filing)
    assert list(by_role) == ["both"]
    [text] = code_texts(by_role["both"])
    assert text.report == DeliveryReport.DELIVERED
    _, question = question_of(run)
    assert question == "Is a code missing?"


def test_waiting_for_the_noon_automatic_resend(demo, agent, supervisor):
    run, filing = run_of("waiting_auto_resend", agent, supervisor)
    assert (filing.policy, filing.status) == ("provincial-2019", "pending_verification")
    leader = people(filing)["leader"]
    due = leader.auto_resend_due_at
    assert due > timezone.now() and leader.auto_resent_at is None
    assert timezone.localtime(due, BEIJING).time() == datetime.time(12, 0)
    assert [t.report for t in code_texts(leader)] == [DeliveryReport.UNDELIVERED]
    assert people(filing)["administrator"].status == "verified"
    with translation.override("en"):
        answer = training.told(run, training.BY_KEY[run.scenario].answer)
    assert training.beijing(due) in answer


def test_verified_on_the_wrong_provinces_site(demo, agent, supervisor):
    run, filing = run_of("wrong_province_site", agent, supervisor)
    assert (filing.province_id, filing.status) == ("zj", "pending_verification")
    [person] = people(filing).values()
    tries = list(Attempt.objects.filter(mobile=person.mobile).order_by("id"))
    assert [(a.channel, a.status) for a in tries] == [("p:fj", 4), ("p:fj", 4)]
    person.refresh_from_db()
    assert (person.status, person.failed_attempts) == ("pending", 0)
    with translation.override("en"):
        answer = training.told(run, training.BY_KEY[run.scenario].answer)
    assert "Fujian" in answer and "/p/zj/verify/" in answer


def test_the_resend_cap_reached(demo, agent, supervisor):
    run, filing = run_of("resend_cap", agent, supervisor)
    assert filing.status == "pending_verification"
    [person] = people(filing).values()
    assert person.resends == 2
    tries = Attempt.objects.filter(verification=person).order_by("id")
    assert [a.status for a in tries] == [101, 101, 102]
    texts = code_texts(person)
    assert [t.report for t in texts] == [DeliveryReport.UNDELIVERED] * 3
    _, question = question_of(run)
    assert question == "Why did no code arrive, and what can you do now?"


def test_every_scenario_has_a_test_here():
    tested = {
        "never_got_text",
        "five_wrong_digits",
        "deadline_overnight",
        "administrator_changed_phones",
        "shared_mobile",
        "waiting_auto_resend",
        "wrong_province_site",
        "resend_cap",
        "coded_rejection",
        "subject_in_flight",
        "missed_contact_check",
    }
    assert set(training.BY_KEY) == tested


def test_no_scenario_outside_demo_mode(settings, agent, supervisor):
    settings.DEMO_MODE = False
    settings.SMS_BACKEND = gateway.PATH
    with pytest.raises(training.TrainingUnavailable):
        training.create_run("shared_mobile", agent, supervisor)
    settings.DEMO_MODE, settings.SMS_BACKEND = True, "locmem"
    with pytest.raises(training.TrainingUnavailable):
        training.create_run("shared_mobile", agent, supervisor)


def test_a_step_held_back_keeps_nothing(demo, settings, agent, supervisor, login):
    settings.RATELIMITS = {**settings.RATELIMITS, "verify_per_mobile": "0/h"}
    with pytest.raises(training.BuildRefused):
        training.create_run("five_wrong_digits", agent, supervisor)
    assert not FilingApplication.objects.exists() and not TrainingRun.objects.exists()
    client = login(agent)
    response = client.post(
        "/demo/training/",
        {"action": "create", "scenario": "wrong_province_site"},
        follow=True,
    )
    assert "could not be built just now" in response.content.decode()
    assert not TrainingRun.objects.exists()


def test_a_coded_rejection(demo, agent, supervisor):
    run, filing = run_of("coded_rejection", agent, supervisor)
    assert (filing.status, filing.rejection_reason) == (
        "rejected",
        run.details["rejection"],
    )
    event = filing.audit_events.latest("id")
    assert (event.event_type, event.actor_kind) == ("rejected", "administration")
    situation, question = question_of(run)
    assert filing.reference in situation
    with translation.override("en"):
        answer = training.told(run, training.BY_KEY[run.scenario].answer)
        outcome = review_outcomes.rejection(filing.rejection_reason)
        assert f"“{outcome.text}”" in answer and str(outcome.fix) in answer
    assert question == "Why was it rejected, and what do you tell the customer?"


def test_a_subject_already_in_flight(demo, agent, supervisor):
    run, filing = run_of("subject_in_flight", agent, supervisor)
    assert filing.status == "under_review" and filing.review_deadline
    # The provider's second filing for the subject is refused, as the story says.
    second = parse_record(
        {
            "provider": filing.provider.code,
            "reference": f"{filing.reference}-2",
            "province": "js",
            "type": "first_filing",
            "policy": "miit-current",
            "subject": {
                "name": filing.subject.name,
                "nature": "enterprise",
                "certificate_type": "uscc",
                "certificate_number": filing.subject.certificate_number,
                "leader": {
                    "name": filing.subject.leader.name,
                    "certificate_type": "resident_id",
                    "certificate_number": filing.subject.leader.certificate_number,
                    "mobile": filing.subject.leader.mobile,
                },
            },
            "services": [
                {
                    "kind": "website",
                    "name": "第二个网站",
                    "domains": ["second-site.example.cn"],
                    "administrator": {
                        "name": filing.subject.leader.name,
                        "certificate_type": "resident_id",
                        "certificate_number": filing.subject.leader.certificate_number,
                        "mobile": filing.subject.leader.mobile,
                    },
                }
            ],
        }
    )
    with pytest.raises(SubmissionConflict) as refused:
        moves.import_filing(second)
    assert refused.value.code == "subject_in_flight"
    with translation.override("en"):
        answer = training.told(run, training.BY_KEY[run.scenario].answer)
    assert filing.reference in answer and filing.review_deadline.isoformat() in answer


def test_a_missed_contact_check(demo, agent, supervisor):
    run, filing = run_of("missed_contact_check", agent, supervisor)
    assert filing.status == "approved"
    check = ContactCheck.objects.get(filing=filing)
    assert check.status == "missed"
    assert check.deadline < timezone.now()
    texts = SmsMessage.objects.filter(filing=filing, kind=SmsKind.CONTACT_CHECK_CODE)
    assert texts.count() == 1
    with translation.override("en"):
        answer = training.told(run, training.BY_KEY[run.scenario].answer)
    assert "Nobody confirmed" in answer
    assert check.deadline.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") in answer


def test_the_simulated_administration_leaves_training_filings_alone(
    demo, agent, supervisor, settings
):
    settings.SIMULATED_ADMINISTRATION = True
    settings.SIMULATED_REVIEW_MINUTES = 0
    run, filing = run_of("subject_in_flight", agent, supervisor)
    other = filing_in("under_review")
    administration.process_reviews(timezone.now() + datetime.timedelta(days=60))
    filing.refresh_from_db()
    other.refresh_from_db()
    assert filing.status == "under_review"
    assert other.status in ("approved", "rejected")
