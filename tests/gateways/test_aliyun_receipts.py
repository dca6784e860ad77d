"""Alibaba Cloud's SmsReport push, as the vendor sends it: a JSON array of reports
to our receipt address, pushed again until the answer is a 200 with a numeric
`code`. Late, twice, out of order, for texts we do not know, or before our worker
has written down that the gateway took the text."""

import datetime
import json
import logging

import pytest
from django.db import OperationalError
from django.utils import timezone

from console import funnel
from filings import transitions
from filings.models import AuditEvent, EventType, ProviderEvent
from tests.verification import gateways
from tests.verification.gateways import aliyun_report, push
from verification import codes, receipts
from verification.models import (
    DeliveryReceipt,
    DeliveryReport,
    ReportReason,
    SmsMessage,
    SmsStatus,
    Verification,
)
from verification.sms import aliyun as aliyun_sms

pytestmark = pytest.mark.django_db


def sent_of(gateway, message):
    return next(s for s in gateway.sent if s["out_id"] == str(message.pk))


def test_a_text_waits_for_its_receipt_and_counts_as_delivered_on_it(
    aliyun, sent_codes, client
):
    filing, leader_text, _ = sent_codes()
    leader_text.refresh_from_db()
    assert (leader_text.status, leader_text.report) == ("sent", "awaiting")
    verification = Verification.objects.get(pk=leader_text.verification_id)
    assert verification.code_delivered_at is None

    (answer,) = push(client, "aliyun", [aliyun_report(sent_of(aliyun, leader_text))])

    assert answer.status_code == 200
    assert answer.json() == {"code": 0, "msg": "接收成功"}
    leader_text.refresh_from_db()
    assert (leader_text.report, leader_text.report_code) == ("delivered", "DELIVERED")
    assert leader_text.report_reason == ReportReason.DELIVERED
    verification.refresh_from_db()
    assert verification.code_delivered_at == leader_text.reported_at


def test_a_push_of_many_reports_takes_each(aliyun, sent_codes, client):
    _, leader_text, admin_text = sent_codes()
    reports = [
        aliyun_report(sent_of(aliyun, leader_text)),
        aliyun_report(
            sent_of(aliyun, admin_text), success=False, code="MOBILE_NOT_ON_SERVICE"
        ),
    ]
    (answer,) = push(client, "aliyun", reports)
    assert answer.status_code == 200
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    assert leader_text.report == "delivered"
    assert (admin_text.report, admin_text.report_reason) == (
        "undelivered",
        ReportReason.OUT_OF_SERVICE,
    )


def test_a_report_pushed_twice_is_kept_once(aliyun, sent_codes, client):
    _, leader_text, _ = sent_codes()
    report = aliyun_report(sent_of(aliyun, leader_text))
    push(client, "aliyun", [report])
    (again,) = push(client, "aliyun", [report, report])
    assert again.json()["code"] == 0
    assert DeliveryReceipt.objects.filter(message=leader_text).count() == 1


def test_an_older_report_arriving_late_does_not_undo_a_newer_one(
    aliyun, sent_codes, client
):
    _, leader_text, _ = sent_codes()
    sent = sent_of(aliyun, leader_text)
    now = timezone.now()
    older = aliyun_report(
        sent,
        success=False,
        code="MOBILE_TERMINAL_ERROR",
        at=now - datetime.timedelta(minutes=2),
    )
    newer = aliyun_report(sent, at=now)
    push(client, "aliyun", [newer])
    push(client, "aliyun", [older])

    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"
    kept = DeliveryReceipt.objects.filter(message=leader_text).order_by("pk")
    assert [(r.delivered, r.applied) for r in kept] == [(True, True), (False, False)]
    # The other order comes to the same report.
    assert not AuditEvent.objects.filter(event_type=EventType.TEXT_NOT_DELIVERED)


def test_the_newer_report_wins_in_either_order(aliyun, sent_codes, client):
    _, leader_text, _ = sent_codes()
    sent = sent_of(aliyun, leader_text)
    now = timezone.now()
    failed_first = aliyun_report(
        sent, success=False, code="UNDELIV", at=now - datetime.timedelta(minutes=3)
    )
    delivered_later = aliyun_report(sent, at=now)
    push(client, "aliyun", [failed_first])
    leader_text.refresh_from_db()
    assert leader_text.report == "undelivered"
    push(client, "aliyun", [delivered_later])
    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"


def test_a_report_for_a_text_we_do_not_know_is_answered_logged_and_not_kept(
    aliyun, sent_codes, client, caplog
):
    sent_codes()
    stranger = {"biz_id": "123456^0", "mobile": "13900000000", "out_id": "999999"}
    with caplog.at_level(logging.WARNING, logger="verification.receipts"):
        (answer,) = push(client, "aliyun", [aliyun_report(stranger)])
    assert answer.status_code == 200
    assert answer.json() == {"code": 0, "msg": "接收成功"}
    assert DeliveryReceipt.objects.count() == 0
    assert "for no text of ours" in caplog.text
    assert "13900000000" not in caplog.text  # the mobile is masked


def test_a_report_naming_our_id_for_another_number_is_not_ours(
    aliyun, sent_codes, client
):
    _, leader_text, _ = sent_codes()
    forged = aliyun_report(sent_of(aliyun, leader_text), phone_number="13900000000")
    push(client, "aliyun", [forged])
    assert DeliveryReceipt.objects.count() == 0


def test_a_report_before_the_send_was_recorded_is_marked_and_taken(
    aliyun, sent_codes, client
):
    _, leader_text, _ = sent_codes()
    sent = sent_of(aliyun, leader_text)
    # As if the gateway reported while our worker was still writing down its answer.
    SmsMessage.objects.filter(pk=leader_text.pk).update(
        status=SmsStatus.SENDING, gateway_id="", report=DeliveryReport.AWAITING
    )
    push(client, "aliyun", [aliyun_report(sent)])
    receipt = DeliveryReceipt.objects.get(message=leader_text)
    assert receipt.before_send is True
    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"


def test_a_report_for_a_code_since_replaced_is_still_recorded(
    aliyun, sent_codes, client, django_capture_on_commit_callbacks
):
    filing, leader_text, _ = sent_codes()
    verification = Verification.objects.select_related("filing").get(
        pk=leader_text.verification_id
    )
    with django_capture_on_commit_callbacks(execute=True):
        codes.resend_code(verification, timezone.now(), transitions.SYSTEM, "staff")
    newest = SmsMessage.objects.filter(verification=verification).latest("pk")
    assert newest.pk != leader_text.pk

    push(
        client,
        "aliyun",
        [aliyun_report(sent_of(aliyun, leader_text), success=False, code="UNDELIV")],
    )
    leader_text.refresh_from_db()
    newest.refresh_from_db()
    assert leader_text.report == "undelivered"
    assert newest.report == "awaiting"


def test_undeliverable_is_told_on_the_audit_trail_and_to_the_provider(
    aliyun, sent_codes, client
):
    filing, leader_text, _ = sent_codes()
    report = aliyun_report(
        sent_of(aliyun, leader_text), success=False, code="MOBILE_IN_BLACK"
    )
    push(client, "aliyun", [report])
    push(client, "aliyun", [report])  # told once

    (event,) = AuditEvent.objects.filter(
        filing=filing, event_type=EventType.TEXT_NOT_DELIVERED
    )
    assert event.data["reason"] == ReportReason.BLOCKED
    (told,) = ProviderEvent.objects.filter(
        filing=filing, event_type="verification.text_not_delivered"
    )
    assert told.data == {
        "status": "pending_verification",
        "roles": ["leader"],
        "report": "undelivered",
        "reason": "blocked",
    }
    payload = json.dumps(told.data)
    assert leader_text.recipient not in payload


@pytest.mark.parametrize(
    ("secret", "configured"),
    [("wrong-secret", gateways.RECEIPT_SECRET), (gateways.RECEIPT_SECRET, "")],
)
def test_a_wrong_secret_or_none_set_is_not_found(
    aliyun, sent_codes, client, settings, secret, configured
):
    _, leader_text, _ = sent_codes()
    settings.SMS_RECEIPT_SECRET = configured
    answers = push(
        client, "aliyun", [aliyun_report(sent_of(aliyun, leader_text))], secret=secret
    )
    assert {a.status_code for a in answers} == {404}
    assert DeliveryReceipt.objects.count() == 0


def test_a_vendor_we_do_not_take_is_not_found(receipts_on, client):
    answer = client.post(
        gateways.receipt_address("twilio"), data="[]", content_type="application/json"
    )
    assert answer.status_code == 404


def test_only_a_post_is_taken(receipts_on, client):
    answer = client.get(gateways.receipt_address("aliyun"))
    assert answer.status_code == 405
    assert answer["Allow"] == "POST"


def test_a_push_too_large_is_refused(receipts_on, client, settings):
    settings.SMS_RECEIPT_MAX_BYTES = 1000
    body = json.dumps([{"x": "y" * 2000}])
    answer = client.post(
        gateways.receipt_address("aliyun"), data=body, content_type="application/json"
    )
    assert answer.status_code == 413


def test_a_push_of_too_many_reports_is_refused(receipts_on, client, settings):
    settings.SMS_RECEIPT_MAX_REPORTS = 2
    answer = client.post(
        gateways.receipt_address("aliyun"),
        data=json.dumps([{}, {}, {}]),
        content_type="application/json",
    )
    assert answer.status_code == 413


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        '{"phone_number": "13800138000"}',
        "[" * 100_000 + "]" * 100_000,
        json.dumps([{"phone_number": "13800138000", "success": "maybe"}]),
        json.dumps([aliyun_report({"biz_id": "1", "mobile": "1", "out_id": "1"})]),
    ],
    ids=["not-json", "not-an-array", "deep", "bad-success", "bad-number"],
)
def test_a_push_that_cannot_be_read_is_refused_with_the_vendors_answer(
    receipts_on, client, body
):
    answer = client.post(
        gateways.receipt_address("aliyun"), data=body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"err_code": "DELIV\x00RD"},
        {"err_msg": "\ud800"},
        {"biz_id": ["a", "list"]},
        {"report_time": "0001-01-01 00:00:00"},
        {"report_time": "9999-12-31 23:59:59"},
        {"report_time": "yesterday"},
        {"out_id": "9" * 200},
    ],
    ids=["nul", "surrogate", "list", "year-1", "year-9999", "words", "huge-id"],
)
def test_hostile_reports_never_fail_the_server(aliyun, sent_codes, client, changes):
    _, leader_text, _ = sent_codes()
    hostile = aliyun_report(sent_of(aliyun, leader_text), **changes)
    good = aliyun_report(sent_of(aliyun, leader_text))
    answer = client.post(
        gateways.receipt_address("aliyun"),
        data=json.dumps([hostile, good]),
        content_type="application/json",
    )
    assert answer.status_code == 200  # the good one is taken
    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"


def test_a_fault_of_ours_answers_503_and_the_vendors_retry_records_it_once(
    aliyun, sent_codes, client, monkeypatch
):
    _, leader_text, _ = sent_codes()
    real_take = receipts.take
    calls = []

    def flaky_take(receipt, table=()):
        calls.append(receipt)
        if len(calls) == 1:
            raise OperationalError("the database went away")
        return real_take(receipt, table)

    monkeypatch.setattr(receipts, "take", flaky_take)
    answers = push(client, "aliyun", [aliyun_report(sent_of(aliyun, leader_text))])
    assert [a.status_code for a in answers] == [503, 200]
    assert DeliveryReceipt.objects.filter(message=leader_text).count() == 1


def test_the_vendors_codes_read_the_same_in_push_and_table():
    # A push's fields as the vendor documents them, read into our terms.
    receipt = aliyun_sms.receipt_from_push(
        {
            "phone_number": "13800138000",
            "send_time": "2026-12-07 10:00:00",
            "report_time": "2026-12-07 10:00:05",
            "success": False,
            "err_code": "MOBILE_NOT_ON_SERVICE",
            "err_msg": "停机",
            "sms_size": "1",
            "biz_id": "900619^0",
            "out_id": "42",
        }
    )
    assert (receipt.mobile, receipt.out_id, receipt.gateway_id) == (
        "13800138000",
        "42",
        "900619^0",
    )
    assert receipt.reported_at.isoformat() == "2026-12-07T10:00:05+08:00"
    assert receipt.delivered is False


def test_the_funnels_delivered_stage_counts_a_code_on_its_receipt(
    aliyun, sent_codes, client
):
    _, leader_text, admin_text = sent_codes()
    today = timezone.localdate()

    def stages():
        found = funnel.compute(today, today)
        return found.total.stages["sent"], found.total.stages["delivered"]

    assert stages() == (2, 0)  # taken by the gateway is not delivered
    push(client, "aliyun", [aliyun_report(sent_of(aliyun, leader_text))])
    push(
        client,
        "aliyun",
        [aliyun_report(sent_of(aliyun, admin_text), success=False, code="UNDELIV")],
    )
    assert stages() == (2, 1)


@pytest.mark.parametrize("out_id", ["²", "１２", "12a", "-5"])
def test_an_out_id_that_is_no_id_of_ours_creates_nothing(
    aliyun, sent_codes, client, out_id
):
    _, leader_text, _ = sent_codes()
    report = aliyun_report(sent_of(aliyun, leader_text), out_id=out_id)
    (answer,) = push(client, "aliyun", [report])
    assert answer.status_code == 200
    assert DeliveryReceipt.objects.count() == 0


def test_another_systems_receipt_never_lands_on_the_text_being_sent(
    aliyun, sent_codes, client
):
    _, leader_text, _ = sent_codes()
    SmsMessage.objects.filter(pk=leader_text.pk).update(
        status=SmsStatus.SENDING, gateway_id="", report=DeliveryReport.AWAITING
    )
    foreign = aliyun_report(
        {"biz_id": "111^0", "mobile": leader_text.recipient, "out_id": "other-77"},
        success=False,
        code="MOBILE_IN_BLACK",
    )
    push(client, "aliyun", [foreign])
    leader_text.refresh_from_db()
    assert leader_text.report == "awaiting"
    assert DeliveryReceipt.objects.count() == 0


def test_a_receipt_lands_only_on_a_text_of_its_vendor_waiting_for_one(
    aliyun, sent_codes, client
):
    _, leader_text, _ = sent_codes()
    notification = SmsMessage.objects.filter(
        recipient=leader_text.recipient, kind="notification"
    ).first()
    # A text of another backend, with no report coming.
    SmsMessage.objects.filter(pk=notification.pk).update(
        backend="verification.sms.database.DatabaseBackend", report=""
    )
    pushed = push(
        client,
        "aliyun",
        [
            aliyun_report(
                {**sent_of(aliyun, leader_text), "out_id": str(notification.pk)}
            )
        ],
    )
    assert pushed[0].status_code == 200
    # The Tencent address given this Alibaba Cloud text's id.
    push(
        client,
        "tencent",
        [
            gateways.tencent_report(
                {
                    "sid": sent_of(aliyun, leader_text)["biz_id"],
                    "mobile": leader_text.recipient,
                }
            )
        ],
    )
    assert DeliveryReceipt.objects.count() == 0


def test_a_report_from_the_future_is_not_taken(aliyun, sent_codes, client):
    _, leader_text, _ = sent_codes()
    future = aliyun_report(
        sent_of(aliyun, leader_text), at=timezone.now() + datetime.timedelta(days=30)
    )
    push(client, "aliyun", [future])
    leader_text.refresh_from_db()
    assert leader_text.report == "awaiting"


def test_a_person_who_verified_is_not_told_of_as_unreached(aliyun, sent_codes, client):
    filing, leader_text, _ = sent_codes()
    Verification.objects.filter(pk=leader_text.verification_id).update(
        status="verified"
    )
    push(
        client,
        "aliyun",
        [aliyun_report(sent_of(aliyun, leader_text), success=False, code="UNDELIV")],
    )
    leader_text.refresh_from_db()
    assert leader_text.report == "undelivered"  # the report is kept as it came
    assert not AuditEvent.objects.filter(
        filing=filing, event_type=EventType.TEXT_NOT_DELIVERED
    ).exists()
