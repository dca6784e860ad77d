"""The console's CSV exports never hand a spreadsheet a formula: a name submitted as
`=cmd|' /C calc'!A0` comes out as `'=cmd|' /C calc'!A0`, read as text."""

import csv
import io

import pytest
from django.utils import timezone

from filings.models import Provider, Subject
from infra.times import BEIJING
from tests.console.conftest import LIST_URL
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"
AS_TEXT = "'=cmd|' /C calc'!A0"


def test_the_filings_export(login, agent):
    filing, _, _ = submitted_filing()
    Subject.objects.filter(pk=filing.subject_id).update(name=FORMULA)
    response = login(agent).get(f"{LIST_URL}export/")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["reference"] == filing.reference
    assert row["subject"] == AS_TEXT


def test_the_funnel_export(login, agent):
    filing, _, _ = submitted_filing()
    Provider.objects.filter(pk=filing.provider_id).update(
        name_en=FORMULA, name_zh=FORMULA
    )
    today = timezone.now().astimezone(BEIJING).date()
    response = login(agent).get(f"/admin/funnel.csv?start={today}&end={today}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_provider = [row for row in rows if row[0] == "Provider"]
    assert [row[1] for row in by_provider] == [AS_TEXT]
    assert not any(cell.startswith("=") for row in rows for cell in row)
