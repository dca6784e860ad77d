"""CSV cells that a spreadsheet would run as a formula are written as text: a single
quote in front of text beginning with =, +, -, @, a tab or a carriage return."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy

from filings.spreadsheets import neutralised, writer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("=1+2", "'=1+2"),
        ("+86 138 0013 8000", "'+86 138 0013 8000"),
        ("-5", "'-5"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+9)*cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
    ],
)
def test_text_read_as_a_formula_gets_a_quote(value, written):
    assert neutralised(value) == written


@pytest.mark.parametrize(
    "value",
    [
        "北京某某科技有限公司",
        "ICP-2026-000123",
        "138****8000",
        "a=b",  # only the first character counts
        " =1+2",  # a space first: read as text
        "'=1+2",  # already quoted
        "",
        "2026-12-06T14:30:00+08:00",
        -5,  # numbers stay numbers
        3.5,
        0,
        None,
    ],
)
def test_anything_else_is_left_as_it_is(value):
    assert neutralised(value) == value


def test_lazy_labels_are_judged_by_their_text():
    with translation.override("en"):
        assert neutralised(gettext_lazy("=1+2")) == "'=1+2"
        assert neutralised(gettext_lazy("All")) == "All"


def test_the_writer_neutralises_every_cell_of_every_row():
    out = io.StringIO()
    made = writer(out)
    made.writerow(["=1+2", -5, "ok"])
    made.writerows([["@x", "+y"], ["-z", 7]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=1+2", "-5", "ok"],
        ["'@x", "'+y"],
        ["'-z", "7"],
    ]


def test_no_module_writes_csv_but_through_it():
    """A new export written with csv.writer would skip the neutralising."""
    bare = re.compile(r"\bcsv\.(writer|DictWriter)\b|from csv import")
    offenders = [
        str(path.relative_to(ROOT))
        for app in (
            "filings",
            "verification",
            "integrations",
            "portal",
            "console",
            "demo",
            "api",
        )
        for path in (ROOT / app).rglob("*.py")
        if path != ROOT / "filings" / "spreadsheets.py"
        and bare.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
