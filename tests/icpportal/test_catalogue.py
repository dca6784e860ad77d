"""The Chinese catalogue is complete and compiled: no entry is fuzzy or left empty, and
the committed .mo carries every entry of the .po."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

from tests.icpportal.test_layout import FLOORS

FLOOR_APPS = list(FLOORS)

PO = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
ENTRY = re.compile(
    r'^(?P<flags>(?:#.*\n)*)msgid (?P<id>(?:".*"\n)+)'
    r'(?:msgid_plural (?:".*"\n)+)?(?P<strs>(?:msgstr(?:\[\d\])? (?:".*"\n)+)+)',
    re.M,
)


def _text(quoted_lines):
    return "".join(ast.literal_eval(line) for line in quoted_lines.splitlines())


def entries(po=PO):
    for match in ENTRY.finditer(po.read_text(encoding="utf-8")):
        msgid = _text(match["id"])
        if not msgid:
            continue  # the header
        strings = [
            _text(part.split(" ", 1)[1])
            for part in re.findall(r'msgstr(?:\[\d\])? (?:".*"\n)+', match["strs"])
        ]
        yield msgid, match["flags"], strings


def test_the_catalogue_has_entries():
    assert sum(1 for _ in entries()) > 300


def plural_forms():
    header = re.search(r"nplurals=(\d+)", PO.read_text(encoding="utf-8"))
    return int(header[1])


def test_no_entry_is_fuzzy_or_untranslated():
    forms = plural_forms()
    wrong = [
        msgid
        for msgid, flags, strings in entries()
        if "fuzzy" in flags or not all(strings[:forms])
    ]
    assert wrong == []


def test_the_compiled_catalogue_matches_the_source():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    missing = [
        msgid
        for msgid, flags, strings in entries()
        if "#~" not in flags and compiled.gettext(msgid) != strings[0]
    ]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract the strings afresh (as `make messages` does, into a copy of the tree)
    and find each one translated in the committed catalogue."""
    if not shutil.which("xgettext"):
        message = "xgettext not found (apt-get install gettext)"
        if os.environ.get("REQUIRE_GETTEXT"):
            pytest.fail(message)
        pytest.skip(message)
    root = settings.BASE_DIR
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "migrations")
    for name in [*FLOOR_APPS, "templates"]:
        shutil.copytree(root / name, copy / name, ignore=ignore)
    shutil.copytree(root / "locale", copy / "locale")
    shutil.copy(root / "manage.py", copy / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-v", "0"],
        cwd=copy,
        env={**os.environ, "DEBUG": "true", "PYTHONPATH": str(copy)},
        check=True,
        timeout=120,
    )
    fresh = copy / PO.relative_to(root)
    translated = {
        msgid
        for msgid, flags, strings in entries()
        if "fuzzy" not in flags and strings[0]
    }
    missing = sorted(
        msgid
        for msgid, flags, strings in entries(fresh)
        if "#~" not in flags and msgid not in translated
    )
    assert missing == [], "run make messages and translate these"
