"""The training pages: staff build scenarios in one click and read their question,
the answer only on request; trainers hand them out, set the gateway and read a
trainee's results on one page; none of it outside demo mode."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from console import casework
from demo import gateway, training
from demo.models import Behaviour, GatewayRule, TrainingRun
from tests.console.conftest import make_staff

pytestmark = pytest.mark.django_db

HOME = "/demo/training/"


@pytest.fixture(autouse=True)
def demo(settings):
    settings.DEMO_MODE = True
    settings.SMS_BACKEND = gateway.PATH


def build(client, scenario, **data):
    return client.post(HOME, {"action": "create", "scenario": scenario, **data})


def test_a_trainee_builds_a_scenario_and_asks_for_the_answer(login, agent):
    client = login(agent)
    html = client.get(HOME).content.decode()
    for scenario in training.SCENARIOS:
        assert escape(str(scenario.title)) in html
    assert 'id="gateway"' not in html  # a trainer's part
    response = build(client, "shared_mobile")
    run = TrainingRun.objects.get()
    assert (run.trainee, run.created_by) == (agent, agent)
    assert response.status_code == 303
    assert response["Location"] == f"/demo/training/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Is a code missing?" in page
    assert f"/admin/filings/filingapplication/{run.filing_id}/change/" in page
    assert "Two roles with the same mobile are one person" not in page
    client.post(f"/demo/training/{run.pk}/")
    run.refresh_from_db()
    assert run.answer_shown_at is not None
    page = client.get(f"/demo/training/{run.pk}/").content.decode()
    assert "Two roles with the same mobile are one person" in page
    assert "Still missing: write an internal note" in page


def test_the_pages_in_chinese(login, agent):
    client = login(agent, language="zh-hans")
    html = client.get(HOME).content.decode()
    assert "培训场景" in html and "客户从未收到短信" in html
    build(client, "resend_cap")
    run = TrainingRun.objects.get()
    page = client.get(f"/demo/training/{run.pk}/").content.decode()
    assert "为什么没有收到验证码" in page


def test_a_trainee_hands_out_only_to_themselves(login, agent, supervisor):
    build(login(agent), "shared_mobile", trainee=supervisor.pk)
    assert TrainingRun.objects.get().trainee == agent


def test_someone_elses_run_is_not_found(login, agent, supervisor):
    run = training.create_run("shared_mobile", supervisor, supervisor)
    assert login(agent).get(f"/demo/training/{run.pk}/").status_code == 404


def test_a_trainer_hands_out_and_reads_a_trainees_results(login, agent, supervisor):
    client = login(supervisor)
    build(client, "shared_mobile", trainee=agent.pk)
    build(client, "wrong_province_site", trainee=agent.pk)
    handled, other = TrainingRun.objects.order_by("id")
    assert {handled.trainee, other.trainee} == {agent}
    casework.add_note(handled.filing, agent, "已说明一人一码")
    html = client.get(HOME).content.decode()
    assert f'href="/demo/training/trainees/{agent.pk}/"' in html
    assert "1 of 2 handled" in html
    page = client.get(f"/demo/training/trainees/{agent.pk}/").content.decode()
    assert "1 of 2 scenarios handled as expected." in page
    assert "write an internal note" in page  # done on one, missing on the other
    assert page.count("Not handled") == 1
    assert login(agent).get(f"/demo/training/trainees/{agent.pk}/").status_code == 403


def test_a_trainer_sets_the_gateway(login, agent, supervisor):
    client = login(supervisor)
    response = client.post(
        HOME,
        {
            "action": "gateway",
            "carrier": "China Unicom",
            "behaviour": "lost",
            "delay_minutes": 10,
            "lost_percent": 30,
        },
    )
    assert response.status_code == 303
    rule = GatewayRule.objects.get()
    assert (rule.carrier, rule.behaviour, rule.lost_percent, rule.updated_by) == (
        "China Unicom",
        Behaviour.LOST,
        30,
        supervisor,
    )
    client.post(
        HOME,
        {"action": "gateway", "carrier": "China Unicom", "behaviour": "normal"}
        | {"delay_minutes": 10, "lost_percent": 100},
    )
    assert GatewayRule.objects.get().behaviour == Behaviour.NORMAL
    bad = client.post(
        HOME,
        {"action": "gateway", "carrier": "", "behaviour": "delayed"}
        | {"delay_minutes": 0, "lost_percent": 100},
    )
    assert bad.status_code == 200 and GatewayRule.objects.count() == 1
    assert "greater than or equal to 1" in bad.content.decode()
    trainee = login(agent)
    assert (
        trainee.post(HOME, {"action": "gateway", "behaviour": "down"}).status_code
        == 403
    )


@pytest.mark.parametrize(
    "url", [HOME, "/demo/training/1/", "/demo/training/trainees/1/"]
)
def test_not_outside_demo_mode(login, supervisor, settings, url):
    run = training.create_run("shared_mobile", supervisor, supervisor)
    url = url.replace("/1/", f"/{run.pk}/") if "trainees" not in url else url
    settings.DEMO_MODE = False
    assert login(supervisor).get(url).status_code == 404


def test_staff_only(client, settings):
    assert client.get(HOME).status_code == 302
    make_staff("reader")  # exists, but the anonymous client is not it
    assert "login" in client.get(HOME)["Location"]


def test_linked_from_the_console_front_page_in_demo_mode(login, agent, settings):
    client = login(agent)
    assert 'href="/demo/training/"' in client.get("/admin/").content.decode()
    settings.DEMO_MODE = False
    assert 'href="/demo/training/"' not in client.get("/admin/").content.decode()


def test_a_run_page_leads_back_to_the_list(login, agent):
    client = login(agent)
    build(client, "shared_mobile")
    run = TrainingRun.objects.get()
    page = client.get(f"/demo/training/{run.pk}/").content.decode()
    assert '<a href="/demo/training/">Training scenarios</a>' in page


def test_the_trainers_pages_read_the_work_in_one_query(login, agent, supervisor):
    client = login(supervisor)
    training.create_run("shared_mobile", agent, supervisor)

    def counted(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    client.get(HOME)  # the session's first page writes its marks
    one = counted(HOME), counted(f"/demo/training/trainees/{agent.pk}/")
    for key in ("wrong_province_site", "resend_cap", "five_wrong_digits"):
        run = training.create_run(key, agent, supervisor)
        casework.add_note(run.filing, agent, "已处理")
    assert (counted(HOME), counted(f"/demo/training/trainees/{agent.pk}/")) == one
