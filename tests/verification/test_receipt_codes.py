"""Each vendor's receipt codes, row by row: what staff read for each, in both
languages, and that the vendor's own table is read before the carriers' codes."""

import pytest
from django.utils import translation

from verification.models import ReportReason
from verification.sms import aliyun, tencent
from verification.sms.base import CARRIER_CODES, reason_for, report_meaning

ROWS = [
    *[("aliyun", row) for row in aliyun.RECEIPT_CODES],
    *[("tencent", row) for row in tencent.RECEIPT_CODES],
    *[("carriers", row) for row in CARRIER_CODES],
]
TABLES = {
    "aliyun": aliyun.RECEIPT_CODES,
    "tencent": tencent.RECEIPT_CODES,
    "carriers": (),
}


@pytest.mark.parametrize(
    ("table", "row"), ROWS, ids=[f"{t}-{row.code}" for t, row in ROWS]
)
def test_each_failure_code_reads_as_its_reason(table, row):
    code = row.code.replace("*", "0154")
    if row.reason == ReportReason.DELIVERED:
        assert reason_for(code, True, TABLES[table]) == ReportReason.DELIVERED
        return
    assert reason_for(code, False, TABLES[table]) == row.reason
    # Whatever its case, as some gateways lower it.
    assert reason_for(code.lower(), False, TABLES[table]) == row.reason


@pytest.mark.parametrize(
    ("code", "table", "reason"),
    [
        ("MOBILE_NOT_ON_SERVICE", aliyun.RECEIPT_CODES, ReportReason.OUT_OF_SERVICE),
        ("MOBILE_IN_BLACK", aliyun.RECEIPT_CODES, ReportReason.BLOCKED),
        ("MOBILE_TERMINAL_ERROR", aliyun.RECEIPT_CODES, ReportReason.PHONE_FAULT),
        ("CONTENT_KEYWORD", aliyun.RECEIPT_CODES, ReportReason.SPAM_FILTER),
        ("INVALID_NUMBER", aliyun.RECEIPT_CODES, ReportReason.NO_SUCH_NUMBER),
        ("-106", tencent.RECEIPT_CODES, ReportReason.SPAM_FILTER),
        ("002", tencent.RECEIPT_CODES, ReportReason.POWERED_OFF),
        # The carriers' codes, which both pass on.
        ("UNDELIV", tencent.RECEIPT_CODES, ReportReason.UNDELIVERABLE),
        ("MK:0001", aliyun.RECEIPT_CODES, ReportReason.NO_SUCH_NUMBER),
        ("MK:0023", tencent.RECEIPT_CODES, ReportReason.POWERED_OFF),
        ("DB:0141", aliyun.RECEIPT_CODES, ReportReason.BLOCKED),
        ("MK:0115", tencent.RECEIPT_CODES, ReportReason.SPAM_FILTER),
    ],
)
def test_the_issues_kinds_of_failure_each_have_words(code, table, reason):
    assert reason_for(code, False, table) == reason


def test_a_code_no_table_knows_is_a_reason_of_its_own_and_is_quoted():
    assert reason_for("ZZ:4242", False, aliyun.RECEIPT_CODES) == ReportReason.OTHER
    with translation.override("en"):
        assert "its code" in str(report_meaning("ZZ:4242", ReportReason.OTHER))
    # A code with no reason kept (older texts) reads by the carriers' table, else
    # as itself.
    assert report_meaning("ZZ:4242") == "ZZ:4242"


@pytest.mark.parametrize("reason", list(ReportReason))
def test_every_reason_has_words_in_both_languages(reason):
    with translation.override("en"):
        english = str(report_meaning("", reason))
    with translation.override("zh-hans"):
        chinese = str(report_meaning("", reason))
    assert english and chinese and english != chinese
