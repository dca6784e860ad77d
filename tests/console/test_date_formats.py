"""One date format on every console page, in both languages: the columns Django
renders (a verification's "verified" time) read as the console's own Beijing-time
texts do (2026-12-07 09:30), never "2026年12月7日 09:30" beside "2026-12-07 09:30"."""

import datetime

import pytest

from infra.times import BEIJING, beijing_text
from tests.verification.helpers import submitted_filing, verify_person
from verification.models import Verification

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_django_rendered_times_read_as_the_consoles_own(login, supervisor, language):
    filing, leader, admin = submitted_filing()
    verify_person(filing, leader)
    verified = Verification.objects.filter(verified_at__isnull=False).get()
    client = login(supervisor, language)
    listing = client.get("/admin/verification/verification/").content.decode()
    assert beijing_text(verified.verified_at) in listing
    assert "年" not in listing.split("<table", 1)[1]
    page = client.get(
        f"/admin/verification/verification/{verified.pk}/change/"
    ).content.decode()
    assert beijing_text(verified.verified_at) in page
    assert "月" not in page.split('id="content"', 1)[1].split("<footer", 1)[0]


def test_the_format_is_the_beijing_one():
    moment = datetime.datetime(2026, 12, 7, 1, 30, tzinfo=datetime.UTC)
    assert beijing_text(moment) == "2026-12-07 09:30"
    assert moment.astimezone(BEIJING).hour == 9
