"""No code and no typed certificate digits in the database (outside the SMS text),
in attempt records, or in logs."""

import logging

import pytest
from django.apps import apps

from tests.verification.helpers import (
    CODE_RE,
    last6,
    latest_code,
    submitted_filing,
    verify_person,
)
from verification import actions
from verification.models import SmsMessage, Verification

pytestmark = pytest.mark.django_db

# Where certificate numbers belong: the people and subjects of a filing.
CERTIFICATE_COLUMNS = {
    ("Person", "certificate_number"),
    ("Subject", "certificate_number"),
}


def all_rows_except_sms_text():
    for model in apps.get_models():
        for row in model.objects.values():
            if model is SmsMessage:
                row.pop("text")
            yield model.__name__, row


def test_codes_and_typed_digits_are_stored_nowhere(caplog):
    with caplog.at_level(logging.DEBUG):
        filing, leader, admin = submitted_filing()
        actions.verify(actions.CENTRAL, leader.mobile, "000000", last6(leader))
        actions.resend(actions.CENTRAL, leader.mobile, last6(leader))
        verify_person(filing, leader)
        actions.verify(
            actions.CENTRAL, admin.mobile, latest_code(admin.mobile), "99999X"
        )
        verify_person(filing, admin)
    issued = {
        CODE_RE.search(text).group(1)
        for text in SmsMessage.objects.filter(kind="verification_code").values_list(
            "text", flat=True
        )
    }
    assert len(issued) == 3
    typed_digits = {last6(leader), last6(admin), "99999X"}
    # The verifications' certificate hashes are among the columns scanned below.
    assert all(Verification.objects.values_list("certificate_hashes", flat=True))
    for model, row in all_rows_except_sms_text():
        for column, value in row.items():
            text = str(value)
            for code in issued:
                assert code not in text, (model, column)
            if (model, column) not in CERTIFICATE_COLUMNS:
                for digits in typed_digits:
                    assert digits not in text, (model, column)
    for record in caplog.records:
        message = record.getMessage()
        assert not any(code in message for code in issued)
        assert not any(digits in message for digits in typed_digits)
