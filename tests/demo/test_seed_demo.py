"""seed_demo: realistic, valid, reproducible demo data whose codes really work."""

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.utils import timezone

from console.models import Macro
from demo.demo_data import Batch, DemoGenerator
from filings.models import FilingApplication, IcpNumberCounter, Person, Subject
from filings.validators import normalize_certificate, normalize_mobile
from tests.demo import stamps
from tests.verification.helpers import latest_code
from verification import actions
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(run_command):
    code, out, err = run_command("seed_demo", filings=600, seed=7)
    assert code == 0, err
    return out


def test_reports_progress_and_logins(seeded):
    assert "600/600 filings" in seeded
    assert "login demo-supervisor / demo-pass-2026" in seeded
    assert User.objects.get(username="demo-agent").groups.get().name == "Support agent"


def test_every_status_policy_and_type(seeded):
    filings = FilingApplication.objects.all()
    assert filings.count() == 600
    assert set(filings.values_list("status", flat=True)) == {
        "draft",
        "pending_verification",
        "under_review",
        "approved",
        "rejected",
        "returned",
        "cancelled",
    }
    assert set(filings.values_list("filing_type", flat=True)) >= {
        "first_filing",
        "add_service",
        "add_access",
        "change",
        "cancel_subject",
        "cancel_service",
        "cancel_access",
    }
    assert len(set(filings.values_list("policy", flat=True))) == 4
    assert len(set(filings.values_list("province", flat=True))) > 25


def test_people_have_valid_certificates_and_mobiles_of_every_carrier(seeded):
    from verification.messages import host_carrier

    carriers = set()
    for person in Person.objects.all():
        assert normalize_certificate("resident_id", person.certificate_number)
        assert normalize_mobile(person.mobile) == person.mobile
        carriers.add(host_carrier(person.mobile))
    assert carriers == {"China Mobile", "China Unicom", "China Telecom"}
    for subject in Subject.objects.all()[:100]:
        assert normalize_certificate("uscc", subject.certificate_number)


def test_approved_filings_have_icp_numbers(seeded):
    approved = FilingApplication.objects.filter(
        status="approved", filing_type__in=["first_filing", "add_service", "add_access"]
    )
    assert approved.exists()
    numbers = list(approved.values_list("icp_number", flat=True))
    assert all("ICP备" in n and n.endswith("号") for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert IcpNumberCounter.objects.exists()


def test_some_filings_are_about_to_expire(seeded):
    from datetime import timedelta

    from django.utils import timezone

    soon = FilingApplication.objects.filter(
        status="pending_verification",
        verification_deadline__lt=timezone.now() + timedelta(hours=2),
    )
    assert soon.exists()


def test_a_filing_waiting_for_verification_waits_for_someone(seeded):
    waiting = FilingApplication.objects.filter(status="pending_verification")
    assert waiting.exists()
    assert not waiting.exclude(verifications__status="pending").exists()


def test_the_standard_macros_are_there(seeded):
    assert Macro.objects.count() == 3
    assert "3 standard macro(s) added" in seeded


def test_a_waiting_persons_code_from_the_phone_verifies(seeded):
    verification = Verification.objects.filter(
        status="pending", filing__policy__in=["miit-2020", "miit-current"]
    ).select_related("filing__subject__leader")[0]
    filing = verification.filing
    person = (
        filing.subject.leader
        if verification.is_leader
        else filing.services.get(
            administrator__mobile=verification.mobile
        ).administrator
    )
    outcome = actions.verify(
        actions.CENTRAL,
        verification.mobile,
        latest_code(verification.mobile),
        person.certificate_number[-6:],
    )
    assert outcome.status in (3, 31)
    assert SmsMessage.objects.filter(recipient=verification.mobile).count() >= 2


def test_seeding_the_same_seed_twice_is_refused(run_command, seeded):
    code, _, err = run_command("seed_demo", filings=600, seed=7)
    assert code == 1 and "seed 7 is already here" in err
    assert FilingApplication.objects.count() == 600
    assert (
        FilingApplication.objects.order_by("id")
        .first()
        .reference.endswith("-D7-000000")
    )


def _generated(seed):
    batch = Batch()
    generator = DemoGenerator(seed)
    for index in range(30):
        generator.filing(batch, index, f"D{seed}")
    return [
        (f.reference, f.subject.name, f.subject.leader.mobile, f.policy, outcome)
        for f, outcome, *_ in batch.plans
    ]


def test_the_same_seed_gives_the_same_data():
    assert _generated(3) == _generated(3)
    assert _generated(3) != _generated(4)


def test_if_empty_keeps_existing_demo_data(run_command, seeded):
    code, out, _ = run_command("seed_demo", filings=50, seed=8, if_empty=True)
    assert code == 0
    assert "already here; keeping it" in out
    assert FilingApplication.objects.count() == 600


def test_ordinary_writes_continue_after_the_seeded_ids(seeded, tmp_path, run_command):
    from tests.records import record, write_import_file

    code, out, err = run_command(
        "import_filings", write_import_file(tmp_path, [record()])
    )
    assert code == 0, out + err
    assert FilingApplication.objects.count() == 601


def test_nothing_is_dated_after_now(seeded):
    """A filing submitted this morning was not decided tonight: the generator once
    dated seven 'under review' filings up to 15 hours ahead, which skewed the queue's
    'ago' and the API's updated_since."""
    assert stamps.stamps_after(timezone.now()) == {}


def test_the_future_by_nature_fields_exist():
    for app, model, field in stamps.FUTURE_BY_NATURE:
        assert apps.get_model(app, model)._meta.get_field(field)


def test_two_providers_teams_log_in_and_see_their_own_customers(seeded, client):
    assert "login tencent-agent / demo-pass-2026" in seeded
    team = User.objects.get(username="tencent-supervisor")
    assert team.membership.provider.code == "tencent"
    assert team.groups.get().name == "Supervisor"
    assert client.login(username="tencent-agent", password="demo-pass-2026")
    client.cookies["django_language"] = "en"
    theirs = FilingApplication.objects.filter(provider__code="tencent").first()
    other = FilingApplication.objects.exclude(provider__code="tencent").first()
    url = f"/admin/filings/filingapplication/{other.pk}/change/"
    assert client.get(url).status_code == 404
    assert (
        client.get(f"/admin/filings/filingapplication/{theirs.pk}/change/").status_code
        == 200
    )
