"""Deadline extensions: an agent may extend one submission's deadline at most
DEADLINE_EXTENSIONS_MAX times and DEADLINE_EXTENSION_MAX_HOURS in all; beyond that
only a supervisor. (Once, an agent could extend one deadline eleven times: +22 days
for a code guessable at ten tries an hour.)"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from console import overrides
from filings import transitions
from tests.verification.helpers import submitted_filing

pytestmark = pytest.mark.django_db


def extend(filing, user, hours):
    return transitions.extend_deadline(
        filing, hours=hours, actor=transitions.Actor.staff(user), reason="asked"
    )


def test_an_agent_extends_twice_then_is_refused(agent):
    filing, _, _ = submitted_filing()
    first = filing.verification_deadline
    extend(filing, agent, 24)
    moved = extend(filing, agent, 24)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        extend(filing, agent, 1)
    assert refused.value.messages == [
        "This deadline was extended 2 times (48 hours in all); without a supervisor "
        "it may be extended at most 2 times and 72 hours in all. Ask a supervisor."
    ]
    filing.refresh_from_db()
    assert filing.verification_deadline == moved.verification_deadline
    assert (filing.verification_deadline - first).total_seconds() == 48 * 3600
    assert transitions.extensions_so_far(filing) == (2, 48)


def test_an_agent_cannot_pass_the_total_hours(agent):
    filing, _, _ = submitted_filing()
    extend(filing, agent, 48)
    with pytest.raises(ValidationError):
        extend(filing, agent, 25)
    extend(filing, agent, 24)  # up to the total exactly
    assert transitions.extensions_so_far(filing) == (2, 72)


def test_a_supervisor_extends_beyond_the_limits(agent, supervisor):
    filing, _, _ = submitted_filing()
    extend(filing, agent, 48)
    extend(filing, agent, 24)
    extend(filing, supervisor, 24 * 14)
    assert transitions.extensions_so_far(filing) == (3, 72 + 24 * 14)


def test_the_limits_are_settings(agent, settings):
    settings.DEADLINE_EXTENSIONS_MAX = 1
    filing, _, _ = submitted_filing()
    extend(filing, agent, 1)
    with pytest.raises(ValidationError):
        extend(filing, agent, 1)


def test_the_console_says_why_in_the_staff_members_language(agent):
    filing, _, _ = submitted_filing()
    extend(filing, agent, 48)
    with translation.override("zh-hans"):
        try:
            extend(filing, agent, 48)
        except ValidationError as exc:
            text = overrides.refusal_text(filing, exc)
    assert "主管" in text


def test_the_systems_extensions_do_not_count_against_the_staffs(agent):
    """The demo's time travel extends a training scenario's deadline as the system,
    by the travel's length: not an agent's say, so not within their limits."""
    filing, _, _ = submitted_filing()
    transitions.extend_deadline(
        filing, hours=24 * 30, actor=transitions.SYSTEM, reason="the demo clock"
    )
    assert transitions.extensions_so_far(filing) == (0, 0)
    extend(filing, agent, 48)
    extend(filing, agent, 24)
    assert transitions.extensions_so_far(filing) == (2, 72)
    with pytest.raises(ValueError):  # staff still extend by at most 14 days at once
        extend(filing, agent, 24 * 15)
