"""ICP numbers on approval: subject number per province and year, -N, -NA."""

import datetime

import pytest

from filings import transitions
from infra.times import BEIJING
from tests.factories import FilingFactory, ServiceFactory, SubjectFactory
from verification import moves
from verification.models import Verification

pytestmark = pytest.mark.django_db
WHEN = datetime.datetime(2026, 5, 1, 10, 0, tzinfo=BEIJING)


def approved(subject=None, kinds=("website",), filing_type="first_filing", **kwargs):
    subject = subject or SubjectFactory(**kwargs)
    filing = FilingFactory(subject=subject, filing_type=filing_type, services=[])
    filing.services.add(*[ServiceFactory(subject=subject, kind=k) for k in kinds])
    filing = moves.submit_filing(filing)
    Verification.objects.filter(filing=filing).update(status="verified")
    if filing.status == "pending_verification":
        filing = moves.complete_verification(filing)
    return transitions.approve_filing(filing, actor=transitions.SYSTEM, now=WHEN)


def numbers(filing):
    return [s.icp_number for s in filing.services.order_by("id")]


def test_subject_and_service_numbers():
    filing = approved(kinds=("website", "app", "website", "app"))
    assert filing.icp_number == "京ICP备2026000001号"
    assert numbers(filing) == [
        "京ICP备2026000001号-1",
        "京ICP备2026000001号-1A",
        "京ICP备2026000001号-2",
        "京ICP备2026000001号-2A",
    ]


def test_serials_are_per_province_and_year():
    first = approved()
    second = approved()
    gansu = approved(province_id="gs")
    assert first.icp_number == "京ICP备2026000001号"
    assert second.icp_number == "京ICP备2026000002号"
    assert gansu.icp_number == "陇ICP备2026000001号"


def test_a_new_service_of_an_approved_subject_continues_its_numbers():
    first = approved(kinds=("website", "app"))
    later = SubjectFactory(certificate_number=first.subject.certificate_number)
    added = approved(subject=later, kinds=("website", "app"), filing_type="add_service")
    assert added.icp_number == first.icp_number
    assert numbers(added) == [f"{first.icp_number}-2", f"{first.icp_number}-2A"]


@pytest.mark.parametrize("filing_type", ["cancel_service", "cancel_access"])
def test_cancellations_get_no_number(filing_type):
    filing = approved(filing_type=filing_type)
    assert filing.icp_number == ""
    assert numbers(filing) == [""]


def test_numbers_are_in_the_audit_event():
    filing = approved()
    event = filing.audit_events.get(event_type="approved")
    assert event.data["icp_numbers"]["subject"] == filing.icp_number
