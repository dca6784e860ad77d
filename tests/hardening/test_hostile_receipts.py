"""The hostile corpus at the gateways' receipt addresses: in the vendor and secret
segments of the URL, in every field of each vendor's report, as whole JSON values,
and as bodies deep, huge or not JSON. No answer may be a 5xx, and nothing hostile is
kept."""

import json

import pytest

from tests.hardening.test_hostile_input import CORPUS, DEEP, JSON_VALUES, in_url
from tests.verification import gateways
from verification.models import DeliveryReceipt

pytestmark = pytest.mark.django_db

REPORTS = {
    "aliyun": gateways.aliyun_report(
        {"biz_id": "900619^0", "mobile": "13800138000", "out_id": "1"}
    ),
    "tencent": gateways.tencent_report({"sid": "2028:0001", "mobile": "13800138000"}),
}


@pytest.fixture(autouse=True)
def secret(settings):
    settings.SMS_RECEIPT_SECRET = gateways.RECEIPT_SECRET
    settings.SMS_RECEIPT_MAX_BYTES = 100_000


def post(client, vendor, body, secret=gateways.RECEIPT_SECRET):
    return client.post(
        f"/sms/receipts/{vendor}/{secret}/", data=body, content_type="application/json"
    )


@pytest.mark.parametrize("vendor", sorted(REPORTS))
def test_every_field_of_a_report_answers_the_corpus_without_a_5xx(client, vendor):
    statuses = set()
    for name in REPORTS[vendor]:
        for value in [*CORPUS, *JSON_VALUES]:
            report = {**REPORTS[vendor], name: value}
            answer = post(client, vendor, json.dumps([report]))
            statuses.add(answer.status_code)
            assert answer.status_code < 500, (name, value, answer.status_code)
    assert statuses <= {200, 400}
    assert DeliveryReceipt.objects.count() == 0  # no text of ours was named


@pytest.mark.parametrize("vendor", sorted(REPORTS))
def test_whole_bodies_answer_without_a_5xx(client, vendor):
    bodies = [
        "[" * DEEP + "]" * DEEP,
        "{" * 10 + "}" * 10,
        json.dumps([REPORTS[vendor]] * 5000),  # over the size limit
        "\x00",
        b"\xff\xfe\xfa",
        "",
        *[json.dumps(value) for value in JSON_VALUES],
        *[json.dumps(text) for text in CORPUS],
    ]
    for body in bodies:
        answer = post(client, vendor, body)
        assert answer.status_code < 500, (body[:40], answer.status_code)


def test_the_url_segments_answer_the_corpus_without_a_5xx(client):
    for value in CORPUS:
        for vendor, secret in [(in_url(value), "s"), ("aliyun", in_url(value))]:
            answer = post(client, vendor, "[]", secret=secret)
            assert answer.status_code == 404, (value, answer.status_code)
