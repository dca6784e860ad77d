"""CSV that a spreadsheet program opens without running anything in it.

Excel, LibreOffice and WPS read a cell whose text begins with `=`, `+`, `-` or `@`
(or a tab or carriage return before one) as a formula, so a subject name submitted
as `=cmd|' /C calc'!A0` would run on the computer of whoever opens the export. Each
such cell is written with a single quote in front (the OWASP rule), which those
programs show as text. Numbers are written as numbers: -5 stays -5.
"""

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """`value` as safe to write in a CSV cell: text that a spreadsheet would read
    as a formula gets a single quote in front; anything else is left as it is."""
    if isinstance(value, Promise):  # a lazily translated label
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """A `csv.writer` whose every cell goes through `neutralised`."""

    def __init__(self, out: "SupportsWrite[str]", **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        """Write one row; returns what the file's `write` returned."""
        return self._writer.writerow([neutralised(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        """Write every row of `rows`."""
        for row in rows:
            self.writerow(row)


def writer(out: "SupportsWrite[str]", **options: Any) -> SafeWriter:
    """A CSV writer to `out` (as `csv.writer`) that neutralises formulas. Every
    CSV this project writes goes through one."""
    return SafeWriter(out, **options)
