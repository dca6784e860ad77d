"""Tencent Cloud's SMS status callback, as the vendor sends it: a JSON array of
reports naming the text by the gateway's own id (`sid`, the SerialNo SendSms gave),
answered `{"result": 0, "errmsg": "OK"}`."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from tests.verification import gateways
from tests.verification.gateways import push, tencent_report
from verification.models import (
    DeliveryReceipt,
    DeliveryReport,
    ReportReason,
    SmsMessage,
    SmsStatus,
)

pytestmark = pytest.mark.django_db


def sent_of(gateway, message):
    return next(s for s in gateway.sent if s["session"] == str(message.pk))


def test_a_receipt_names_the_text_by_the_gateways_id(tencent, sent_codes, client):
    _, leader_text, admin_text = sent_codes()
    leader_text.refresh_from_db()
    assert leader_text.gateway_id == sent_of(tencent, leader_text)["sid"]
    (answer,) = push(
        client,
        "tencent",
        [
            tencent_report(sent_of(tencent, leader_text)),
            tencent_report(sent_of(tencent, admin_text), success=False, code="002"),
        ],
    )
    assert answer.status_code == 200
    assert answer.json() == {"result": 0, "errmsg": "OK"}
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    assert (leader_text.report, leader_text.report_code) == ("delivered", "DELIVRD")
    assert (admin_text.report, admin_text.report_reason) == (
        "undelivered",
        ReportReason.POWERED_OFF,
    )


def test_twice_and_out_of_order_come_to_the_newest_report(tencent, sent_codes, client):
    _, leader_text, _ = sent_codes()
    sent = sent_of(tencent, leader_text)
    now = timezone.now()
    newer = tencent_report(sent, success=False, code="MK:0001", at=now)
    older = tencent_report(sent, at=now - datetime.timedelta(minutes=5))
    for batch in ([newer], [newer, older], [older]):
        (answer,) = push(client, "tencent", batch)
        assert answer.status_code == 200
    leader_text.refresh_from_db()
    assert (leader_text.report, leader_text.report_reason) == (
        "undelivered",
        ReportReason.NO_SUCH_NUMBER,
    )
    assert DeliveryReceipt.objects.filter(message=leader_text).count() == 2


def test_an_unknown_sid_is_answered_and_nothing_is_kept(
    tencent, sent_codes, client, caplog
):
    sent_codes()
    with caplog.at_level(logging.WARNING, logger="verification.receipts"):
        (answer,) = push(
            client,
            "tencent",
            [tencent_report({"sid": "2028:9999", "mobile": "13900000000"})],
        )
    assert answer.json() == {"result": 0, "errmsg": "OK"}
    assert DeliveryReceipt.objects.count() == 0
    assert "for no text of ours" in caplog.text


def test_a_receipt_before_our_worker_wrote_the_id_finds_the_text_being_sent(
    tencent, sent_codes, client
):
    _, leader_text, _ = sent_codes()
    sent = sent_of(tencent, leader_text)
    SmsMessage.objects.filter(pk=leader_text.pk).update(
        status=SmsStatus.SENDING, gateway_id="", report=DeliveryReport.AWAITING
    )
    push(client, "tencent", [tencent_report(sent)])
    receipt = DeliveryReceipt.objects.get()
    assert (receipt.message_id, receipt.before_send) == (leader_text.pk, True)


def test_an_international_number_is_no_text_of_ours(tencent, sent_codes, client):
    _, leader_text, _ = sent_codes()
    report = tencent_report(sent_of(tencent, leader_text), nationcode="852")
    push(client, "tencent", [report])
    assert DeliveryReceipt.objects.count() == 0


def test_a_wrong_secret_is_not_found(tencent, sent_codes, client):
    _, leader_text, _ = sent_codes()
    answers = push(
        client,
        "tencent",
        [tencent_report(sent_of(tencent, leader_text))],
        secret="guess",
    )
    assert {a.status_code for a in answers} == {404}


@pytest.mark.parametrize(
    "changes",
    [
        {"report_status": "MAYBE"},
        {"user_receive_time": "9999-12-31 23:59:59"},
        {"errmsg": "\x00"},
        {"sid": {"deep": ["er"]}},
    ],
    ids=["status", "year-9999", "nul", "object"],
)
def test_a_report_that_cannot_be_read_is_refused_in_the_vendors_words(
    tencent, sent_codes, client, changes
):
    _, leader_text, _ = sent_codes()
    answer = client.post(
        gateways.receipt_address("tencent"),
        data=json.dumps([tencent_report(sent_of(tencent, leader_text), **changes)]),
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert answer.json()["result"] == 1
