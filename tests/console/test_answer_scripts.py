"""Answer scripts: written in two languages by supervisors, every change a version,
offered on the filing page where they fit its state (situation, queue reason, MIIT
status), copied with one click and counted; the standard dozen."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from console import scripts
from console.management.commands.add_standard_answers import STANDARD_ANSWERS
from console.models import AnswerScript, AnswerScriptUse, AnswerScriptVersion
from tests.console.conftest import change_url
from tests.verification.helpers import submitted_filing, verify_person

pytestmark = pytest.mark.django_db

ADMIN_ADD = "/admin/console/answerscript/add/"


def script_data(**changes):
    return {
        "which": "miit_status:2",
        "title_zh": "信息有误",
        "title_en": "Wrong information",
        "text_zh": "请核对验证码。",
        "text_en": "Please check the code.",
        "is_active": "on",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
        **changes,
    }


def test_a_supervisor_writes_a_script_and_each_change_is_a_version(login, supervisor):
    client = login(supervisor)
    assert client.post(ADMIN_ADD, script_data()).status_code == 302
    script = AnswerScript.objects.get()
    assert script.version == 1
    url = f"/admin/console/answerscript/{script.pk}/change/"
    client.post(url, script_data(text_en="Check the newest code."))
    client.post(url, script_data(text_en="Check the newest code.", is_active="on"))
    script.refresh_from_db()
    assert script.version == 2  # the second save changed no words
    versions = list(AnswerScriptVersion.objects.filter(script=script))
    assert [(v.version, v.text_en) for v in versions] == [
        (2, "Check the newest code."),
        (1, "Please check the code."),
    ]
    assert versions[0].written_by == supervisor


def test_an_unknown_key_and_a_full_mobile_are_refused(login, supervisor):
    client = login(supervisor)
    page = client.post(ADMIN_ADD, script_data(which="miit_status:999"))
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    page = client.post(ADMIN_ADD, script_data(text_en="Call 13800138000"))
    assert "masked" in page.content.decode()
    assert not AnswerScript.objects.exists()


def test_agents_read_scripts_but_do_not_write_them(login, agent):
    client = login(agent)
    assert client.get("/admin/console/answerscript/").status_code == 200
    assert client.post(ADMIN_ADD, script_data()).status_code == 403


def test_the_standard_dozen_are_valid_and_added_once():
    call_command("add_standard_answers", verbosity=0)
    call_command("add_standard_answers", verbosity=0)
    assert AnswerScript.objects.count() == len(STANDARD_ANSWERS) == 12
    for script in AnswerScript.objects.all():
        assert script.key in dict(scripts.known_keys(script.key_kind)), script
        assert script.text_zh and script.text_en and script.version == 1


def test_the_filing_page_offers_the_scripts_that_fit_and_links_the_next_step(
    login, agent
):
    call_command("add_standard_answers", verbosity=0)
    filing, leader, _ = submitted_filing()
    for _ in range(4):
        verify_person(filing, leader, "000000")  # one failure from the limit
    page = login(agent).get(change_url(filing)).content.decode()
    one_left = AnswerScript.objects.get(key="one_failure_left")
    wrong_information = AnswerScript.objects.get(key="2")
    assert f'id="answer-{one_left.pk}"' in page
    assert f'id="answer-{wrong_information.pk}"' in page  # the last answer: 2
    assert f'href="#answer-{one_left.pk}"' in page  # from "What to do now"
    assert "you have one try left" in page
    returned = AnswerScript.objects.get(key="returned")
    assert f'id="answer-{returned.pk}"' not in page  # not this filing's state


def test_the_page_shows_the_script_in_the_readers_language(login, agent):
    call_command("add_standard_answers", verbosity=0)
    filing, leader, _ = submitted_filing()
    for _ in range(4):
        verify_person(filing, leader, "000000")
    page = login(agent, "zh-hans").get(change_url(filing)).content.decode()
    assert "您还剩一次机会" in page and "you have one try left" not in page


def test_a_copy_is_counted_with_its_version(login, agent):
    call_command("add_standard_answers", verbosity=0)
    filing, _, _ = submitted_filing()
    script = AnswerScript.objects.get(key="2")
    client = login(agent)
    url = reverse("admin:script_used", args=[script.pk, filing.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).json() == {"counted": True}
    use = AnswerScriptUse.objects.get()
    assert (use.script, use.version, use.filing, use.user) == (
        script,
        1,
        filing,
        agent,
    )
    script.is_active = False
    script.save()
    assert client.post(url).status_code == 404  # a withdrawn script is not counted
    assert AnswerScriptUse.objects.count() == 1


def test_an_auditor_copying_is_not_counted(login, auditor):
    call_command("add_standard_answers", verbosity=0)
    filing, _, _ = submitted_filing()
    script = AnswerScript.objects.get(key="2")
    url = reverse("admin:script_used", args=[script.pk, filing.pk])
    assert login(auditor).post(url).status_code == 403
    assert not AnswerScriptUse.objects.exists()


def test_earlier_versions_are_named_by_their_number(login, supervisor):
    call_command("add_standard_answers", verbosity=0)
    script = AnswerScript.objects.get(key="2")
    page = login(supervisor).get(f"/admin/console/answerscript/{script.pk}/change/")
    html = page.content.decode()
    assert "Version 1" in html and "AnswerScriptVersion object" not in html
