"""The pull: texts without a receipt SMS_RECEIPT_PULL_AFTER_SECONDS after the send
are asked about through the vendor's SDK (Alibaba Cloud's QuerySendDetails, Tencent
Cloud's PullSmsSendStatus), again after as long, and reported "unknown" after the
last try, never "delivered"."""

import datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from filings.models import AuditEvent, EventType, ProviderEvent
from tests.verification.gateways import aliyun_report, beijing, push
from verification import deadlines, receipts
from verification.models import DeliveryReceipt, ReceiptSource, ReportReason

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(minutes=11)


@pytest.fixture(autouse=True)
def pull_rules(settings):
    settings.SMS_RECEIPT_PULL_AFTER_SECONDS = 600
    settings.SMS_RECEIPT_PULL_TRIES = 3


def detail(text, *, status=3, code="DELIVERED", at=None):
    """One SmsSendDetailDTO of QuerySendDetails."""
    at = at or timezone.now()
    return {
        "PhoneNum": text.recipient,
        "SendStatus": status,
        "ErrCode": code,
        "TemplateCode": "SMS_0001",
        "Content": text.text,
        "SendDate": beijing(at - datetime.timedelta(seconds=5)),
        "ReceiveDate": beijing(at),
        "OutId": str(text.pk),
    }


def pulled_status(mobile, serial, *, success=True, code="DELIVRD", context=""):
    """One PullSmsSendStatus entry of Tencent Cloud's pull."""
    return {
        "UserReceiveTime": int(timezone.now().timestamp()),
        "CountryCode": "86",
        "SubscriberNumber": mobile,
        "PhoneNumber": f"+86{mobile}",
        "SerialNo": serial,
        "ReportStatus": "SUCCESS" if success else "FAIL",
        "Description": code,
        "SessionContext": context,
    }


def test_aliyun_a_text_without_a_push_is_asked_about_and_takes_the_answer(
    aliyun, sent_codes
):
    _, leader_text, admin_text = sent_codes()
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    aliyun.details[leader_text.gateway_id] = [detail(leader_text)]
    aliyun.details[admin_text.gateway_id] = [
        detail(admin_text, status=2, code="MOBILE_IN_BLACK")
    ]

    assert receipts.pull_due(timezone.now()).asked == 0  # not due yet
    result = receipts.pull_due(timezone.now() + LATER)

    assert result.outcomes[receipts.RECORDED] == 2
    queries = [
        r for r in aliyun.received if r["headers"]["x-acs-action"] == "QuerySendDetails"
    ]
    assert {q["query"]["BizId"] for q in queries} >= {
        leader_text.gateway_id,
        admin_text.gateway_id,
    }
    assert aliyun.problems == []
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    assert leader_text.report == "delivered"
    assert (admin_text.report, admin_text.report_reason) == (
        "undelivered",
        ReportReason.BLOCKED,
    )
    assert set(DeliveryReceipt.objects.values_list("source", flat=True)) == {
        ReceiptSource.PULL
    }


def test_a_push_repeating_a_pull_is_kept_once(aliyun, sent_codes, client):
    _, leader_text, _ = sent_codes()
    leader_text.refresh_from_db()
    moment = timezone.now().replace(microsecond=0)
    aliyun.details[leader_text.gateway_id] = [detail(leader_text, at=moment)]
    receipts.pull_due(timezone.now() + LATER)
    sent = next(s for s in aliyun.sent if s["out_id"] == str(leader_text.pk))
    (answer,) = push(client, "aliyun", [aliyun_report(sent, at=moment)])
    assert answer.json() == {"code": 0, "msg": "接收成功"}
    assert DeliveryReceipt.objects.filter(message=leader_text).count() == 1


def test_no_receipt_after_the_last_try_is_unknown_and_told(aliyun, sent_codes):
    filing, leader_text, admin_text = sent_codes()
    now = timezone.now()
    for attempt in range(1, 4):
        result = receipts.pull_due(now + LATER * attempt)
        assert result.asked == 4  # the two codes and two notifications
    assert result.unknown == 4
    leader_text.refresh_from_db()
    assert (leader_text.report, leader_text.report_pulls) == ("unknown", 3)
    assert receipts.pull_due(now + LATER * 5).asked == 0  # given up
    # Told for the codes only: a notification is no one's verification.
    events = AuditEvent.objects.filter(
        filing=filing, event_type=EventType.TEXT_NOT_DELIVERED
    )
    assert sorted(e.data["message"] for e in events) == [leader_text.pk, admin_text.pk]
    assert {e.data["report"] for e in events} == {"unknown"}
    assert (
        ProviderEvent.objects.filter(
            filing=filing, event_type="verification.text_not_delivered"
        ).count()
        == 2
    )


def test_a_late_receipt_after_unknown_still_counts(aliyun, sent_codes):
    _, leader_text, _ = sent_codes()
    now = timezone.now()
    for attempt in range(1, 4):
        receipts.pull_due(now + LATER * attempt)
    leader_text.refresh_from_db()
    assert leader_text.report == "unknown"
    sent = next(s for s in aliyun.sent if s["out_id"] == str(leader_text.pk))
    push(Client(), "aliyun", [aliyun_report(sent)])
    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"


def test_a_gateway_that_cannot_be_asked_still_counts_a_try(aliyun, sent_codes):
    # Its pull not allowed, or never answering: the texts must not wait for ever.
    _, leader_text, _ = sent_codes()
    aliyun.answers("error", "ServiceUnavailable", status=503)
    now = timezone.now()
    result = receipts.pull_due(now + LATER)
    assert result.failed and result.failed[0].startswith("aliyun: ")
    leader_text.refresh_from_db()
    assert (leader_text.report, leader_text.report_pulls) == ("awaiting", 1)
    for attempt in (2, 3):
        receipts.pull_due(now + LATER * attempt)
    leader_text.refresh_from_db()
    assert leader_text.report == "unknown"


def test_one_texts_refusal_does_not_lose_the_others_answers(aliyun, sent_codes):
    _, leader_text, admin_text = sent_codes()
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    aliyun.details[leader_text.gateway_id] = [detail(leader_text)]
    aliyun.details[admin_text.gateway_id] = "not a list of details"
    result = receipts.pull_due(timezone.now() + LATER)
    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"
    assert result.outcomes[receipts.RECORDED] == 1


@pytest.mark.parametrize(
    "odd",
    [
        {"ErrCode": "A\x00B"},
        {"ErrCode": "\ud800"},
        {"OutId": ["x"]},
        {"ReceiveDate": 7},
    ],
    ids=["nul", "surrogate", "list", "number"],
)
def test_odd_details_never_stop_the_sweep(aliyun, sent_codes, odd):
    _, leader_text, _ = sent_codes()
    leader_text.refresh_from_db()
    aliyun.details[leader_text.gateway_id] = [{**detail(leader_text), **odd}]
    report = deadlines.process_deadlines(timezone.now())
    assert report.receipts_pulled == 0
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + LATER
        patch.setattr(receipts.timezone, "now", lambda: later)
        deadlines.process_deadlines(later)
    leader_text.refresh_from_db()
    assert leader_text.report_pulls == 1
    assert DeliveryReceipt.objects.count() == 0


def test_tencent_keeps_what_earlier_pages_gave_when_a_later_one_fails(
    tencent, sent_codes, monkeypatch
):
    from verification.sms.tencent import TencentBackend

    monkeypatch.setattr(TencentBackend, "PULL_LIMIT", 1)
    _, leader_text, _ = sent_codes()
    leader_text.refresh_from_db()
    tencent.pending.append(pulled_status(leader_text.recipient, leader_text.gateway_id))
    original = tencent.handler.reply

    def second_page_fails(handler, request, answer):
        pulls = [
            r
            for r in tencent.received
            if r["headers"]["x-tc-action"] == "PullSmsSendStatus"
        ]
        if len(pulls) >= 2:
            return handler.json(
                200,
                {"Response": {"Error": {"Code": "InternalError"}, "RequestId": "r"}},
            )
        return original(handler, request, answer)

    monkeypatch.setattr(tencent.handler, "reply", second_page_fails)
    result = receipts.pull_due(timezone.now() + LATER)
    assert result.outcomes[receipts.RECORDED] == 1
    assert result.failed
    leader_text.refresh_from_db()
    assert leader_text.report == "delivered"


def test_tencent_pulls_whatever_reports_it_holds(tencent, sent_codes):
    _, leader_text, admin_text = sent_codes()
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    tencent.pending.extend(
        [
            pulled_status(
                leader_text.recipient,
                leader_text.gateway_id,
                context=str(leader_text.pk),
            ),
            pulled_status(
                admin_text.recipient,
                admin_text.gateway_id,
                success=False,
                code="MK:0005",
                context=str(admin_text.pk),
            ),
        ]
    )
    result = receipts.pull_due(timezone.now() + LATER)
    assert result.outcomes[receipts.RECORDED] == 2
    assert tencent.problems == []
    leader_text.refresh_from_db()
    admin_text.refresh_from_db()
    assert leader_text.report == "delivered"
    assert (admin_text.report, admin_text.report_reason) == (
        "undelivered",
        ReportReason.OUT_OF_SERVICE,
    )


def test_the_sweep_pulls_and_says_so(aliyun, sent_codes, capsys):
    _, leader_text, _ = sent_codes()
    leader_text.refresh_from_db()
    aliyun.details[leader_text.gateway_id] = [detail(leader_text)]
    report = deadlines.process_deadlines(timezone.now())
    # The sweep asks in real time, not the time it is given: nothing due yet.
    assert report.receipts_pulled == 0
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + LATER
        patch.setattr(receipts.timezone, "now", lambda: later)
        call_command("process_deadlines")
    assert "Delivery receipts: 1 pulled" in capsys.readouterr().out


def test_tencent_a_pulled_report_for_a_text_not_ours_creates_nothing(
    tencent, sent_codes
):
    sent_codes()
    tencent.pending.append(pulled_status("13900000000", "2028:9999"))
    result = receipts.pull_due(timezone.now() + LATER)
    assert result.outcomes == {receipts.UNKNOWN_TEXT: 1}
    assert DeliveryReceipt.objects.count() == 0
