"""An override's reason is kept in the audit trail for every staff member to read:
like a note, it never holds a full mobile or certificate number."""

import pytest
from django.utils import translation

from filings.models import AuditEvent
from tests.console.conftest import form_action
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "reason",
    ["客户手机 13800138000", "身份证 620102198503120419", "客户手机 138 0013 8000"],
)
def test_a_reason_with_a_full_number_is_refused(login, agent, reason):
    client = login(agent)
    filing, _, _ = submitted_filing()
    deadline = filing.verification_deadline
    with translation.override("en"):
        page = form_action(client, filing, "extend_deadline", hours="12", reason=reason)
    assert "This holds a full mobile or certificate number" in page.content.decode()
    filing.refresh_from_db()
    assert filing.verification_deadline == deadline
    assert not AuditEvent.objects.filter(reason=reason).exists()


def test_a_reason_with_a_masked_number_is_kept(login, agent):
    client = login(agent)
    filing, _, _ = submitted_filing()
    form_action(client, filing, "extend_deadline", hours="12", reason="138****8000 ill")
    assert AuditEvent.objects.filter(
        filing=filing, event_type="deadline_extended", reason="138****8000 ill"
    ).exists()
