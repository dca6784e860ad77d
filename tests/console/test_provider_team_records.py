"""What a provider's staff may change: their own team's answer scripts (written for
their provider), never the shared ones nor the reference data, which they read; and
the training they hand out is on their own provider's filings, to their own team."""

import pytest
from django.utils.html import escape

from console import casework
from console.models import AnswerScript
from console.staff import create_staff
from demo import gateway
from demo.models import TrainingRun
from filings.models import Provider
from tests.console.test_answer_scripts import ADMIN_ADD, script_data
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


@pytest.fixture
def tencent_supervisor():
    return create_staff("t-sup", "supervisor", provider_code="tencent", password="x")[0]


def test_a_providers_supervisor_writes_their_teams_scripts_only(
    login, tencent_supervisor, supervisor
):
    shared = AnswerScript.objects.create(
        key_kind="miit_status",
        key="2",
        title_zh="共用",
        title_en="Shared",
        text_zh="共用答复",
        text_en="Shared answer",
    )
    client = login(tencent_supervisor)
    assert client.post(ADMIN_ADD, script_data()).status_code == 302
    own = AnswerScript.objects.exclude(pk=shared.pk).get()
    assert own.provider == Provider.objects.get(code="tencent")
    listed = client.get("/admin/console/answerscript/").content.decode()
    assert "Shared" in listed and "Every team" in listed
    # the shared one is read, not changed
    url = f"/admin/console/answerscript/{shared.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    refused = client.post(url, script_data(title_en="Mine now"))
    assert refused.status_code == 403
    shared.refresh_from_db()
    assert shared.title_en == "Shared"
    # another team's is not found; the administration's supervisor changes it
    alibaba = login(supervisor)
    assert alibaba.post(url, script_data(title_en="Better")).status_code == 302
    other = create_staff("a-sup", "supervisor", provider_code="aliyun", password="x")[0]
    page = login(other).get(f"/admin/console/answerscript/{own.pk}/change/")
    assert page.status_code == 404


def test_the_reference_data_is_the_administrations_to_change(
    login, tencent_supervisor, admin_user
):
    url = "/admin/filings/province/bj/change/"
    page = login(tencent_supervisor).get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    providers = login(tencent_supervisor).get("/admin/filings/provider/").content
    assert escape(Provider.objects.get(code="tencent").name_en) in providers.decode()
    assert escape(Provider.objects.get(code="aliyun").name_en) not in providers.decode()
    page = login(admin_user).get(url)
    assert 'name="_save"' in page.content.decode()
    # even a superuser of a provider's team only reads it
    create_staff("t-root", "supervisor", provider_code="tencent", password="x")
    root = type(admin_user).objects.get(username="t-root")
    root.is_superuser = True
    root.save()
    page = login(root).get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()


def test_a_providers_trainer_trains_their_own_team_on_their_own_filings(
    login, settings, tencent_supervisor, agent
):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH
    teammate = create_staff("t-agent", "agent", provider_code="tencent", password="x")[
        0
    ]
    client = login(tencent_supervisor)
    page = client.get("/demo/training/").content.decode()
    assert ">t-agent<" in page and ">agent<" not in page
    refused = client.post(
        "/demo/training/",
        {"action": "create", "scenario": "shared_mobile", "trainee": agent.pk},
    )
    assert refused.status_code == 200 and not TrainingRun.objects.exists()
    client.post(
        "/demo/training/",
        {"action": "create", "scenario": "shared_mobile", "trainee": teammate.pk},
    )
    run = TrainingRun.objects.get()
    assert run.filing.provider.code == "tencent"
    # the administration's run is not the provider's to read
    mine = login(agent)
    mine.post("/demo/training/", {"action": "create", "scenario": "shared_mobile"})
    theirs = TrainingRun.objects.exclude(pk=run.pk).get()
    assert theirs.filing.provider.code == "aliyun"
    assert (
        login(tencent_supervisor).get(f"/demo/training/{theirs.pk}/").status_code == 404
    )


def test_a_filing_is_assigned_only_to_someone_who_can_read_it(login, supervisor):
    filing, _, _ = submitted_filing()  # Alibaba Cloud's
    tencent = create_staff("t-agent", "agent", provider_code="tencent", password="x")[0]
    ali = create_staff("a-agent", "agent", provider_code="aliyun", password="x")[0]
    page = login(supervisor).get(
        f"/admin/filings/filingapplication/{filing.pk}/change/"
    )
    offered = page.content.decode().split('id="assign_agent"')[1].split("</select>")[0]
    assert ">a-agent<" in offered and ">t-agent<" not in offered
    with pytest.raises(casework.CaseRefused, match="another access provider"):
        casework.assign(filing, tencent, supervisor)
    assert casework.assign(filing, ali, supervisor).owner == ali


def test_a_trainee_trains_on_their_own_providers_filing(login, settings, supervisor):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH
    trainee = create_staff("t-agent", "agent", provider_code="tencent", password="x")[0]
    login(supervisor).post(
        "/demo/training/",
        {"action": "create", "scenario": "shared_mobile", "trainee": trainee.pk},
    )
    assert TrainingRun.objects.get().filing.provider.code == "tencent"


def test_the_training_gateway_is_the_administrations(login, settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH
    boss = create_staff("t-boss", "supervisor", provider_code="tencent", password="x")[
        0
    ]
    client = login(boss)
    assert 'id="gateway"' not in client.get("/demo/training/").content.decode()
    refused = client.post(
        "/demo/training/",
        {
            "action": "gateway",
            "carrier": "",
            "behaviour": "lost",
            "lost_percent": "100",
        },
    )
    assert refused.status_code == 403
