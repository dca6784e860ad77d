"""Every audit event is named by EventType (never a bare string), has a label, a
sentence on the filing page, and is told to the provider or not on purpose."""

import ast

import pytest
from django.utils import translation

from console import story, timeline
from filings import provider_events, transitions
from filings.models import CASE_WORK_EVENTS, AuditEvent, EventType
from tests.icpportal.test_layout import MODULES
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db

WRITTEN = set(EventType)


def test_every_move_is_named_by_event_type():
    moves = {m for e in transitions.ALLOWED_MOVES.values() for m in e}
    assert moves <= WRITTEN
    assert all(type(move) is EventType for move in moves)


def test_every_event_type_is_told_to_the_provider_or_not_on_purpose():
    told = set(provider_events.PROVIDER_EVENTS)
    assert told | provider_events.NOT_TOLD == WRITTEN
    assert told & provider_events.NOT_TOLD == set()


@pytest.mark.parametrize("event_type", sorted(WRITTEN))
def test_every_event_reads_as_its_own_sentence(event_type):
    filing, _, _ = submitted_filing()
    told = story.load(filing)
    event = AuditEvent(filing=filing, actor_kind="system", event_type=event_type)
    event.created_at = filing.submitted_at
    with translation.override("en"):
        sentence = timeline.event_entry(told, event, {}).sentence
    assert "changed the filing from" not in sentence  # not the fallback
    assert "_" not in sentence


def bare_event_names():
    """Calls that write an audit event or make a move with the event as a string
    literal instead of an EventType member: (module, line)."""
    found = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = getattr(node.func, "attr", getattr(node.func, "id", ""))
            position = {"record_event": 2, "_move": 1}.get(called)
            if position is None or len(node.args) <= position:
                continue
            event = node.args[position]
            if isinstance(event, ast.Constant) and isinstance(event.value, str):
                found.append((name, node.lineno))
    return found


def test_no_event_is_written_by_a_bare_string():
    assert bare_event_names() == []


def test_every_event_type_has_a_row_in_one_sentence_table():
    own, case_work = set(timeline.EVENT_SENTENCES), set(timeline.CASE_SENTENCES)
    assert own | case_work == WRITTEN
    assert own & case_work == set()
    assert case_work == set(CASE_WORK_EVENTS)
