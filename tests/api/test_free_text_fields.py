"""What a provider writes in free text: a withdraw reason never holds a full mobile
or certificate number (staff read it in the audit trail), a webhook description no
control character; references need a letter or a digit ("." and ".." are
collapsed away by HTTP clients)."""

import pytest

from filings.models import AuditEvent, FilingApplication
from tests.api.conftest import sample

pytestmark = pytest.mark.django_db


def test_a_withdraw_reason_with_a_full_mobile_is_refused(call, key):
    created = call("post", "/filings", key[1], sample())
    url = created["Location"].removeprefix("/api/v1") + "/withdraw"
    response = call("post", url, key[1], {"reason": "联系人 13800138000"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"path": "reason", "message": "holds a full mobile or certificate number"}
    ]
    assert not AuditEvent.objects.filter(reason__contains="13800138000").exists()
    assert (
        call("post", url, key[1], {"reason": "联系人 138****8000"}).status_code == 200
    )


@pytest.mark.parametrize("description", ["a\x00b", "a\x07c", "a\ud800"])
def test_a_webhook_description_with_a_control_character_is_refused(
    call, key, settings, description
):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    body = {"url": "http://127.0.0.1:9/hooks", "description": description}
    response = call("post", "/webhooks", key[1], body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "description"


@pytest.mark.parametrize("reference", [".", "..", "-", "._-"])
def test_a_reference_without_a_letter_or_digit_is_refused(call, key, reference):
    response = call("post", "/filings", key[1], sample(reference=reference))
    assert response.status_code == 422
    assert not FilingApplication.objects.exists()
