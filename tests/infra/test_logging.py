"""Logs: JSON lines with the request id, and no personal numbers."""

import json
import logging

from infra.logging import JsonFormatter, PersonalDataFilter, request_id, scrub


def test_scrub_masks_mobiles_and_certificates():
    text = "mobile 13800138000, +8613800138000, id 11010519491231002X, ref ALI-0001"
    assert scrub(text) == (
        "mobile [personal number], [personal number], id [personal number], ref ALI-0001"
    )


def test_json_line_with_request_id():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "sent to %s", ("13800138000",), None
    )
    token = request_id.set("abc123")
    try:
        PersonalDataFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123"
    assert line["message"] == "sent to [personal number]"
    assert line["level"] == "INFO"


def test_response_carries_the_request_id(client, db):
    response = client.get("/provinces/", HTTP_X_REQUEST_ID="req-42")
    assert response["X-Request-ID"] == "req-42"
    generated = client.get("/provinces/")["X-Request-ID"]
    assert len(generated) == 32


def test_the_receipt_addresss_secret_never_reaches_the_log(client, db, settings):
    """Django logs the path of a request it answered 4xx: a push the receipt address
    refuses would write the secret there."""
    settings.SMS_RECEIPT_SECRET = "s3cret-receipt-address-0123456789"
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Bad Request: %s",
        ("/sms/receipts/aliyun/s3cret-receipt-address-0123456789/",),
        None,
    )
    PersonalDataFilter().filter(record)
    assert record.getMessage() == "Bad Request: /sms/receipts/aliyun/[secret]/"
    assert scrub("POST /sms/receipts/tencent/abc/ 400") == (
        "POST /sms/receipts/tencent/[secret]/ 400"
    )
