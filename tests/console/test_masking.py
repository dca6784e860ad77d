"""Mobile and certificate numbers are masked on every staff page and in the export,
unless the user may see personal data."""

import re

import pytest
from django.urls import reverse

from filings.privacy import mask_certificate, mask_mobile
from tests.console.conftest import LIST_URL, change_url
from tests.verification.helpers import latest_code, submitted_filing, verify_person
from verification.models import Attempt, SmsMessage, Verification

pytestmark = pytest.mark.django_db


@pytest.fixture
def filing_with_history():
    filing, leader, admin = submitted_filing()
    code = latest_code(leader.mobile)
    verify_person(filing, leader, "000000")
    verify_person(filing, leader, code)
    return filing, leader, admin, code


def pages(filing, leader):
    person = leader
    verification = Verification.objects.filter(filing=filing).first()
    message = SmsMessage.objects.filter(kind="verification_code").first()
    attempt = Attempt.objects.first()
    return [
        change_url(filing),
        "/admin/filings/person/",
        reverse("admin:filings_person_change", args=[person.pk]),
        "/admin/filings/subject/",
        "/admin/verification/verification/",
        reverse("admin:verification_verification_change", args=[verification.pk]),
        "/admin/verification/smsmessage/",
        reverse("admin:verification_smsmessage_change", args=[message.pk]),
        "/admin/verification/attempt/",
        reverse("admin:verification_attempt_change", args=[attempt.pk]),
        f"{LIST_URL}export/",
    ]


def body(response):
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("role", ["agent", "supervisor", "auditor"])
def test_masked_for_ordinary_staff(request, login, role, filing_with_history):
    client = login(request.getfixturevalue(role))
    filing, leader, admin, code = filing_with_history
    for url in pages(filing, leader):
        html = body(client.get(url))
        for secret in (
            leader.mobile,
            admin.mobile,
            leader.certificate_number,
            admin.certificate_number,
            filing.subject.certificate_number,
            code,
        ):
            assert secret not in html, (url, secret)
    page = body(client.get(change_url(filing)))
    assert mask_mobile(leader.mobile) in page
    assert mask_certificate(leader.certificate_number) in page


def test_unmasked_with_the_personal_data_permission(
    login, privacy_officer, filing_with_history
):
    client = login(privacy_officer)
    filing, leader, admin, code = filing_with_history
    page = body(client.get(change_url(filing)))
    assert leader.mobile in page and admin.mobile in page
    assert leader.certificate_number in page
    export = body(client.get(f"{LIST_URL}export/"))
    assert leader.mobile in export and leader.certificate_number in export
    # the code itself stays masked even then
    assert code not in body(client.get("/admin/verification/smsmessage/"))


def test_search_by_mobile_works_without_revealing_it(login, agent, filing_with_history):
    client = login(agent)
    filing, leader, _, _ = filing_with_history
    for url in ("/admin/filings/person/", "/admin/verification/smsmessage/"):
        html = body(client.get(url, {"q": f"+86 {leader.mobile}"}))
        # what the rows show (their links carry the searcher's own term back)
        rows = re.sub(
            r"<[^>]+>", " ", html[html.index("<tbody>") : html.index("</tbody>")]
        )
        assert mask_mobile(leader.mobile) in rows
        assert leader.mobile not in rows
