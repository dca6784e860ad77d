"""The review clock from the outside: a filing whose people verify enters review with
its deadline in working days (its province's number), and `show_filing --json`, the
API's filing, the provider's webhook event, the console's filing page and the work
queue all carry it."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from console import queue
from filings import working_days
from filings.models import FilingStatus, ProviderEvent
from integrations import keys
from tests.factories import FilingFactory, PersonFactory, ServiceFactory
from tests.verification.helpers import verify_person
from verification import moves

pytestmark = pytest.mark.django_db

# Friday 2026-02-13, 15:00 Beijing: the working day before the Spring Festival.
BEFORE_SPRING_FESTIVAL = datetime.datetime(2026, 2, 13, 7, tzinfo=datetime.UTC)


@pytest.fixture
def freeze(monkeypatch):
    """Set the time the engine reads."""

    def at(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


def submitted_filing(province):
    """A first filing of `province` (leader and one administrator) submitted now."""
    leader, admin = PersonFactory(), PersonFactory()
    filing = FilingFactory(
        policy="miit-current",
        subject__leader=leader,
        subject__province_id=province,
        services=[],
    )
    filing.services.add(ServiceFactory(subject=filing.subject, administrator=admin))
    return moves.submit_filing(filing), leader, admin


def reviewed_filing(freeze, province):
    freeze(BEFORE_SPRING_FESTIVAL - datetime.timedelta(hours=1))
    filing, leader, admin = submitted_filing(province)
    freeze(BEFORE_SPRING_FESTIVAL)
    verify_person(filing, leader)
    verify_person(filing, admin)
    filing.refresh_from_db()
    assert filing.status == FilingStatus.UNDER_REVIEW
    return filing


@pytest.mark.parametrize(
    ("province", "deadline"),
    [("js", datetime.date(2026, 3, 19)), ("zj", datetime.date(2026, 4, 2))],
)
def test_verified_filing_enters_review_with_its_provinces_deadline(
    freeze, province, deadline
):
    filing = reviewed_filing(freeze, province)
    assert filing.review_started_at == BEFORE_SPRING_FESTIVAL
    assert filing.review_deadline == deadline
    event = ProviderEvent.objects.get(filing=filing, event_type="filing.under_review")
    assert event.data["review_deadline"] == deadline.isoformat()
    assert event.data["review_deadline_provisional"] is False


def test_show_filing_json_gives_the_review_deadline(freeze):
    filing = reviewed_filing(freeze, "js")
    out = io.StringIO()
    call_command("show_filing", filing.reference, "--json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["review_deadline"] == "2026-03-19"
    assert document["review_deadline_provisional"] is False
    assert document["review_started_at"] == "2026-02-13T15:00:00+08:00"
    text = io.StringIO()
    call_command("show_filing", filing.reference, stdout=text)
    assert "decided by 2026-03-19" in text.getvalue()


def test_the_api_carries_the_review_deadline(freeze, client):
    filing = reviewed_filing(freeze, "zj")
    _, key = keys.create_key(filing.provider, "review clock")
    answer = client.get(
        f"/api/v1/filings/{filing.reference}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert answer.status_code == 200
    assert answer.json()["review_deadline"] == "2026-04-02"
    assert answer.json()["review_deadline_provisional"] is False


def test_a_deadline_in_a_year_not_covered_is_provisional_everywhere(
    freeze, client, agent, monkeypatch
):
    freeze(datetime.datetime(2026, 12, 7, 2, tzinfo=datetime.UTC))
    filing, leader, admin = submitted_filing("js")
    verify_person(filing, leader)
    verify_person(filing, admin)
    filing.refresh_from_db()
    assert filing.review_deadline == datetime.date(2027, 1, 5)
    _, key = keys.create_key(filing.provider, "review clock")
    answer = client.get(
        f"/api/v1/filings/{filing.reference}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert answer.json()["review_deadline_provisional"] is True
    event = ProviderEvent.objects.get(filing=filing, event_type="filing.under_review")
    assert event.data["review_deadline_provisional"] is True
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    page = client.get(f"/admin/filings/filingapplication/{filing.pk}/change/")
    assert (
        "2027-01-05 (20 working days left) · provisional: the holiday calendar of "
        "2027 is not published yet"
    ) in page.content.decode()
    # A calendar that covers 2027 later does not make the date final: it was
    # counted without 2027's adjusted days.
    monkeypatch.setattr(working_days, "is_covered", lambda year: True)
    answer = client.get(
        f"/api/v1/filings/{filing.reference}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert answer.json()["review_deadline_provisional"] is True


def test_the_filing_page_shows_working_days_left(freeze, agent, client):
    filing = reviewed_filing(freeze, "js")
    # Tuesday 2026-03-17, Beijing: two working days left (18th and 19th).
    freeze(datetime.datetime(2026, 3, 17, 2, tzinfo=datetime.UTC))
    client.force_login(agent)
    client.cookies["django_language"] = "en"
    page = client.get(f"/admin/filings/filingapplication/{filing.pk}/change/")
    text = page.content.decode()
    assert "2026-03-19 (2 working days left)" in text
    assert "provisional" not in text


def test_the_queue_lists_a_filing_near_its_review_deadline(freeze, agent, settings):
    filing = reviewed_filing(freeze, "js")
    settings.QUEUE_REVIEW_WORKING_DAYS = 3
    freeze(datetime.datetime(2026, 3, 13, 2, tzinfo=datetime.UTC))  # 4 left
    assert filing.pk not in [row.filing_id for row in queue.build(agent).rows]
    freeze(datetime.datetime(2026, 3, 16, 2, tzinfo=datetime.UTC))  # 3 left
    with translation.override("en"):
        row = next(r for r in queue.build(agent).rows if r.filing_id == filing.pk)
    assert set(row.reasons) == {queue.REVIEW_DUE}
    assert row.sentences == [
        "Under review; the administration's deadline 2026-03-19 is 3 working days away"
    ]
    freeze(datetime.datetime(2026, 3, 23, 2, tzinfo=datetime.UTC))  # Monday after
    with translation.override("en"):
        row = next(r for r in queue.build(agent).rows if r.filing_id == filing.pk)
    assert row.sentences == [
        "The review deadline 2026-03-19 passed 2 working days ago; the provider "
        "may call"
    ]


def test_a_rejection_reaches_the_api_in_the_asked_language(client):
    filing = moves.submit_filing(FilingFactory(filing_type="cancel_access"))
    moves.reject_filing(
        filing, actor=moves.SYSTEM, code="domain_registrant_mismatch", reason="x"
    )
    _, key = keys.create_key(filing.provider, "rejections")
    url = f"/api/v1/filings/{filing.reference}"
    english = client.get(
        url, HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en"
    ).json()["rejection"]
    chinese = client.get(
        url, HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="zh-CN"
    ).json()["rejection"]
    assert english["code"] == chinese["code"] == "domain_registrant_mismatch"
    assert english["text"] == (
        "The domain's registrant is not the filing's subject (domain real-name check)."
    )
    assert chinese["text"] == "域名注册人与备案主体不一致（域名实名核验）。"
    assert english["fix"].startswith("Have the domain's registrant changed")
    pending = moves.submit_filing(FilingFactory(filing_type="cancel_access"))
    answer = client.get(
        f"/api/v1/filings/{pending.reference}", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert answer.json()["rejection"] is None
