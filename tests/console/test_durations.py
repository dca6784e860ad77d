"""Durations staff read: never "0 min ago"."""

import datetime

import pytest
from django.utils import translation

from infra import times

SECONDS = datetime.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("seconds", "english", "chinese"),
    [
        (0, "under a minute", "不到 1 分钟"),
        (59, "under a minute", "不到 1 分钟"),
        (60, "1 min", None),
        (3 * 3600 + 20 * 60, "3 h 20 min", None),
        (2 * 86400 + 4 * 3600, "2 d 4 h", None),
        (-30, "under a minute", None),
    ],
)
def test_duration_text(seconds, english, chinese):
    with translation.override("en"):
        assert times.duration_text(seconds * SECONDS) == english
    if chinese:
        with translation.override("zh-hans"):
            assert times.duration_text(seconds * SECONDS) == chinese
