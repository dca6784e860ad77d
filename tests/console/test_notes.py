"""Internal notes: append-only, on the timeline with author and Beijing time, never
holding a full mobile or certificate number, never shown outside the console."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from console import casework, timeline
from console.models import Note
from filings.privacy import personal_numbers_in
from tests.console.conftest import LIST_URL, change_url, messages_of
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def note_url(filing):
    return f"/admin/filings/filingapplication/{filing.pk}/case/note/"


def test_an_agent_writes_a_note_and_reads_it_on_the_timeline(login, agent):
    filing, _, _ = submitted_filing()
    client = login(agent)
    response = client.post(
        note_url(filing), {"text": "客户来电，说明天上午核验"}, follow=True
    )
    assert messages_of(response) == ["Note added."]
    note = Note.objects.get(filing=filing)
    assert note.author == agent
    html = response.content.decode()
    assert "Internal note by Support agent agent" in html
    assert "客户来电，说明天上午核验" in html
    assert timeline.beijing(note.created_at, with_seconds=True) in html
    assert html.count("客户来电，说明天上午核验") == 1  # its event adds no second line


def test_a_note_is_in_the_audit_trail_by_its_author_without_its_words(agent):
    filing, _, _ = submitted_filing()
    note = casework.add_note(filing, agent, "客户说明天上午核验")
    event = filing.audit_events.get(event_type="note_added")
    assert (event.staff_user, event.data) == (agent, {"note": note.pk})
    assert "明天" not in str(event.data) + event.reason


@pytest.mark.parametrize(
    "text",
    [
        "客户手机 13812345678 打不通",
        "call +86 138 1234 5678 back",
        "号码：138-1234-5678",
        "全角 １３８１２３４５６７８",
        "0086 13812345678",
    ],
)
def test_a_full_mobile_is_refused_with_the_reason(agent, text):
    filing, _, _ = submitted_filing()
    with translation.override("en"), pytest.raises(casework.CaseRefused) as refused:
        casework.add_note(filing, agent, text)
    assert "holds a full mobile number" in str(refused.value)
    assert "138****8000" in str(refused.value)
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "身份证 110101199003074514",
        "ID 11010119900307451X",
        "信用代码 91110108MA01KP5X3R",  # a valid unified social credit code
        "110101 1990 0307 4514",
    ],
)
def test_a_full_certificate_number_is_refused(agent, text):
    filing, _, _ = submitted_filing()
    with translation.override("en"), pytest.raises(casework.CaseRefused) as refused:
        casework.add_note(filing, agent, text)
    assert "holds a full certificate number" in str(refused.value)


def test_the_filings_own_numbers_are_refused_whatever_their_form(agent):
    filing, leader, admin = submitted_filing()
    leader.certificate_type = "passport"
    leader.certificate_number = "E12345678"
    leader.save()
    filing.subject.leader.refresh_from_db()
    with pytest.raises(casework.CaseRefused):
        casework.add_note(filing, agent, "passport e12345678 checked")


@pytest.mark.parametrize(
    "text",
    [
        "客户 138****5678 已核验",
        "证件尾号 4514",
        "约好 2026-12-03 10:30 回电",
        "ICP备2026000123号",
        "订单 20261203",
    ],
)
def test_masked_numbers_dates_and_short_numbers_pass(agent, text):
    filing, _, _ = submitted_filing()
    assert casework.add_note(filing, agent, text).text == text


def test_the_page_says_why_in_chinese(login, agent):
    filing, _, _ = submitted_filing()
    response = login(agent, "zh-hans").post(
        note_url(filing), {"text": "13812345678"}, follow=True
    )
    assert messages_of(response) == [
        "内容含有完整的手机号码。所有工作人员都能看到备注，且备注永久保存，因此控制台"
        "从不保存完整号码：请写成掩码形式，如 138****8000。"
    ]


def test_notes_are_append_only(agent):
    filing, _, _ = submitted_filing()
    note = casework.add_note(filing, agent, "first")
    note.text = "changed"
    with pytest.raises(TypeError):
        note.save()
    with pytest.raises(TypeError):
        note.delete()
    with pytest.raises(TypeError):
        Note.objects.filter(pk=note.pk).update(text="changed")
    with pytest.raises(TypeError):
        Note.objects.all().delete()


def test_notes_never_reach_the_applicant_pages_or_the_export(
    client, login, supervisor, agent
):
    filing, leader, _ = submitted_filing()
    casework.add_note(filing, agent, "内部：客户语气不好")
    for url in ("/verify/", "/resend/", "/demo/phone/"):
        response = client.get(url)
        assert "客户语气不好" not in response.content.decode()
    export = login(supervisor).get(LIST_URL + "export/")
    body = b"".join(export.streaming_content).decode()
    assert filing.reference in body
    assert "客户语气不好" not in body


def test_auditors_read_notes_but_have_no_form(login, agent, auditor):
    filing, _, _ = submitted_filing()
    casework.add_note(filing, agent, "customer will call back")
    html = login(auditor).get(change_url(filing)).content.decode()
    assert "customer will call back" in html
    assert 'id="add-note"' not in html
    response = login(auditor).post(note_url(filing), {"text": "x"}, follow=True)
    assert messages_of(response) == ["Your role does not allow this; ask a supervisor."]
    assert Note.objects.count() == 1


@given(
    number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    separators=st.lists(
        st.sampled_from(["", " ", "-", "　", "."]), min_size=10, max_size=10
    ),
    prefix=st.sampled_from(["", "+86", "+86 ", "0086", "86 "]),
    words=st.sampled_from(["", "电话", "call ", "手机："]),
)
def test_any_way_of_writing_a_mobile_is_found(number, separators, prefix, words):
    written = number[0] + "".join(
        s + d for s, d in zip(separators, number[1:], strict=True)
    )
    assert "mobile" in personal_numbers_in(f"{words}{prefix}{written} 谢谢")
    masked = f"{number[:3]}****{number[-4:]}"
    assert personal_numbers_in(f"{words}{masked}") == set()
