"""Every audit event the code writes has a label, and the filing page a sentence."""

import pytest
from django.utils import translation

from console import story
from filings import transitions
from filings.models import AuditEvent, EventType
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db

WRITTEN = {
    "created",
    "verified",
    "code_resent",
    "mobile_changed",
    transitions.SUBMITTED,
    transitions.VERIFICATION_COMPLETED,
    transitions.EXPIRED,
    transitions.VERIFICATION_FAILED,
    transitions.RETURNED,
    transitions.CANCELLED,
    transitions.APPROVED,
    transitions.REJECTED,
    transitions.DEADLINE_EXTENDED,
    # console.casework
    EventType.CLAIMED,
    EventType.ASSIGNED,
    EventType.RELEASED,
    EventType.FOLLOW_UP_SET,
    EventType.FOLLOW_UP_DONE,
    EventType.MACRO_RUN,
    EventType.NOTE_ADDED,
}


def test_every_written_event_has_a_label():
    assert set(EventType.values) == WRITTEN
    assert {m for e in transitions.ALLOWED_MOVES.values() for m in e} <= WRITTEN


@pytest.mark.parametrize("event_type", sorted(WRITTEN))
def test_every_event_reads_as_its_own_sentence(event_type):
    filing, _, _ = submitted_filing()
    told = story.load(filing)
    event = AuditEvent(filing=filing, actor_kind="system", event_type=event_type)
    event.created_at = filing.submitted_at
    with translation.override("en"):
        sentence = story.event_entry(told, event, {}).sentence
    assert "changed the filing from" not in sentence  # not the fallback
    assert "_" not in sentence
