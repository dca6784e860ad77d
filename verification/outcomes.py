"""The order in which one verify's outcome reaches the database, decided here.

A verify writes two kinds of thing. The person's: their verification row (verified,
or one more failure), their "verified" audit event with its provider event, and the
attempt. The filing's: a move (to review once everyone has verified, returned when a
person fails at the limit), with the filing's own audit event.

The person's writes go first, together: on PostgreSQL one statement, in which the
rows written do not see each other and ids are handed out in no set order. The
filing's moves come after that statement, each on its own, so their events are
numbered after the person's (the story and the provider read "verified" before
"verification completed") and a move sees the person's row as written.
"""

from collections.abc import Callable

from django.db.backends.base.base import BaseDatabaseWrapper

from infra.sql import Writes


class OutcomeWrites:
    """The writes of one outcome: `person`, a write buffer for the person's rows,
    events and the attempt; `then(move)` for a filing's move, run after them."""

    def __init__(self) -> None:
        self.person = Writes()
        self._filing_moves: list[Callable[[], object]] = []

    @property
    def db(self) -> BaseDatabaseWrapper:
        """The connection the writes go to."""
        return self.person.db

    def then(self, move: Callable[[], object]) -> None:
        """Run `move` (a filing's move) once the person's writes are in."""
        self._filing_moves.append(move)

    def send(self) -> None:
        """Write the person's part, then run the filing's moves in the order given.
        Call it inside the transaction that locked the rows."""
        self.person.send()
        moves, self._filing_moves = self._filing_moves, []
        for move in moves:
            move()
