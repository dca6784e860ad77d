"""App filings (APP备案): an app service carries its platforms, its package name or
bundle id and its signing certificate's MD5; validated on import and through the
API; shown by show_filing, the API and the console."""

import io
import json

import pytest
from django.core.management import call_command
from django.utils import translation

from filings import validators
from filings.importing import RecordInvalid, parse_record
from filings.models import Service
from integrations import keys
from tests.console.conftest import change_url
from tests.records import app, record, website
from verification import moves

pytestmark = pytest.mark.django_db

MD5 = "3A:5F:0C:91:7E:22:B4:D8:61:0F:AA:93:4C:E7:15:9C"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (MD5, "3a5f0c917e22b4d8610faa934ce7159c"),
        ("3a5f0c917e22b4d8610faa934ce7159c", "3a5f0c917e22b4d8610faa934ce7159c"),
        (
            "3A 5F 0C 91 7E 22 B4 D8 61 0F AA 93 4C E7 15 9C",
            "3a5f0c917e22b4d8610faa934ce7159c",
        ),
        ("３A5F0C917E22B4D8610FAA934CE7159C", "3a5f0c917e22b4d8610faa934ce7159c"),
    ],
)
def test_signing_md5_accepted(raw, stored):
    assert validators.normalize_signing_md5(raw) == stored


@pytest.mark.parametrize(
    "raw", ["", None, "3A:5F", "g" * 32, "3a5f0c917e22b4d8610faa934ce7159c00", 12]
)
def test_signing_md5_refused(raw):
    with pytest.raises(validators.ValidationError):
        validators.normalize_signing_md5(raw)


def errors_of(data):
    with translation.override("en"), pytest.raises(RecordInvalid) as caught:
        parse_record(data)
    return dict(caught.value.errors)


def test_an_app_needs_its_platforms_and_signing_md5():
    errors = errors_of(record(services=[app(platforms=None, signing_md5=None)]))
    assert errors["services[0].platforms"].startswith(
        "an app needs a list of platforms"
    )
    assert errors["services[0].signing_md5"] == (
        "Enter the MD5 of the app's signing certificate."
    )
    errors = errors_of(
        record(services=[app(platforms=["android", "windows"], signing_md5="12")])
    )
    assert errors["services[0].platforms"] == (
        "each platform is one of android, ios, harmonyos"
    )
    assert "32 hexadecimal digits" in errors["services[0].signing_md5"]
    errors = errors_of(record(services=[app(platforms=["ios", "ios"])]))
    assert errors["services[0].platforms"] == "lists a platform twice"


def test_a_website_has_no_platforms_nor_signing_md5():
    errors = errors_of(
        record(services=[website(platforms=["android"], signing_md5=MD5)])
    )
    assert errors["services[0].platforms"] == "is only for apps"
    assert errors["services[0].signing_md5"] == "is only for apps"


def test_an_app_filing_is_shown_by_show_filing_the_api_and_the_console(
    client, login, supervisor
):
    data = record(
        services=[
            app(platforms=["harmonyos", "android"], signing_md5=MD5.lower()),
        ]
    )
    filing = moves.import_filing(parse_record(data))
    service = Service.objects.get(filings=filing)
    assert (service.app_platforms, service.app_signing_md5) == (
        "android,harmonyos",
        "3a5f0c917e22b4d8610faa934ce7159c",
    )
    out = io.StringIO()
    call_command("show_filing", filing.reference, "--json", stdout=out)
    shown = json.loads(out.getvalue())["services"][0]
    assert shown["platforms"] == ["android", "harmonyos"]
    assert shown["signing_md5"] == MD5
    _, key = keys.create_key(filing.provider, "apps")
    answer = client.get(
        f"/api/v1/filings/{filing.reference}", HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()
    assert (
        answer["services"][0]["app_identifier"] == data["services"][0]["app_identifier"]
    )
    assert answer["services"][0]["platforms"] == ["android", "harmonyos"]
    assert answer["services"][0]["signing_md5"] == MD5
    staff = login(supervisor)
    staff.cookies["django_language"] = "en"
    page = staff.get(change_url(filing)).content.decode()
    assert f"(Android/HarmonyOS); signing MD5 {MD5}" in page
