"""The review clock's working days, row by row around the Spring Festival and National
Day of 2026 (with their adjusted Saturdays and Sunday), for Jiangsu (20 working days)
and Zhejiang (30); and a year the calendar does not cover yet, counted provisionally
with weekends and the statutory holidays alone."""

import datetime

import pytest

from filings import working_days
from filings.working_days import add_working_days, is_working_day, working_days_left

D = datetime.date

# (day, worked?) - the State Council's 2026 notice, and 2027's statutory holidays
WORKING_DAY_ROWS = [
    (D(2026, 2, 13), True),  # Friday before the Spring Festival
    (D(2026, 2, 14), True),  # Saturday worked for the Spring Festival
    (D(2026, 2, 15), False),  # Sunday, first day off
    (D(2026, 2, 16), False),  # New Year's Eve
    (D(2026, 2, 17), False),  # Spring Festival
    (D(2026, 2, 23), False),  # Monday, last day off
    (D(2026, 2, 24), True),  # back at work
    (D(2026, 2, 28), True),  # Saturday worked for the Spring Festival
    (D(2026, 3, 1), False),  # an ordinary Sunday
    (D(2026, 9, 20), True),  # Sunday worked for National Day
    (D(2026, 9, 25), False),  # Mid-Autumn Festival
    (D(2026, 10, 1), False),  # National Day
    (D(2026, 10, 7), False),  # last day of the National Day week
    (D(2026, 10, 8), True),  # back at work
    (D(2026, 10, 10), True),  # Saturday worked for National Day
    (D(2026, 10, 11), False),  # an ordinary Sunday
    # 2027, not covered yet: weekends and the statutory holidays the fallback knows
    (D(2027, 1, 1), False),  # New Year's Day
    (D(2027, 1, 4), True),  # an ordinary Monday
    (D(2027, 2, 6), False),  # Spring Festival, a Saturday
    (D(2027, 2, 9), False),  # the Spring Festival's day in lieu
    (D(2027, 2, 11), True),  # Thursday after it
    (D(2027, 10, 4), False),  # National Day's day in lieu
]


@pytest.mark.parametrize(("day", "worked"), WORKING_DAY_ROWS)
def test_working_day(day, worked):
    assert is_working_day(day) is worked


# (entered review on, province, deadline) - the day of entry is not counted
DEADLINE_ROWS = [
    # Spring Festival 2026: 20 working days in Jiangsu
    (D(2026, 1, 30), "js", D(2026, 3, 5)),
    (D(2026, 2, 13), "js", D(2026, 3, 19)),  # Sat 14th and Sat 28th count
    (D(2026, 2, 14), "js", D(2026, 3, 20)),  # entered on the worked Saturday
    (D(2026, 2, 15), "js", D(2026, 3, 20)),  # entered during the holiday
    (D(2026, 2, 23), "js", D(2026, 3, 20)),  # entered on its last day
    # ... and 30 in Zhejiang
    (D(2026, 1, 30), "zj", D(2026, 3, 19)),
    (D(2026, 2, 13), "zj", D(2026, 4, 2)),
    (D(2026, 2, 14), "zj", D(2026, 4, 3)),
    (D(2026, 2, 23), "zj", D(2026, 4, 3)),
    # National Day 2026 (Sun 20 Sep and Sat 10 Oct worked; 1-7 Oct off)
    (D(2026, 9, 18), "js", D(2026, 10, 22)),
    (D(2026, 9, 30), "js", D(2026, 11, 3)),
    (D(2026, 10, 1), "js", D(2026, 11, 3)),
    (D(2026, 10, 9), "js", D(2026, 11, 5)),
    (D(2026, 9, 18), "zj", D(2026, 11, 5)),
    (D(2026, 9, 30), "zj", D(2026, 11, 17)),
    (D(2026, 10, 9), "zj", D(2026, 11, 19)),
]


@pytest.mark.parametrize(("entered", "province", "deadline"), DEADLINE_ROWS)
def test_review_deadline(entered, province, deadline):
    got = add_working_days(entered, working_days.review_days(province))
    assert (got.day, got.provisional) == (deadline, False)


def test_a_deadline_in_a_year_not_covered_yet_is_provisional():
    assert working_days.is_covered(2026)
    assert not working_days.is_covered(2027)
    # Entering review this December, the count runs into 2027 past New Year's Day.
    assert add_working_days(D(2026, 12, 7), 20) == working_days.Deadline(
        D(2027, 1, 5), provisional=True
    )
    # Across the 2027 Spring Festival (5 to 10 February off by the fallback).
    assert add_working_days(D(2027, 1, 29), 20).day == D(2027, 3, 4)


def test_review_days_by_province():
    assert working_days.review_days("zj") == 30
    assert working_days.review_days("js") == 20
    assert working_days.review_days("bj") == 20


@pytest.mark.parametrize(
    ("today", "deadline", "left"),
    [
        (D(2026, 2, 13), D(2026, 3, 19), 20),
        (D(2026, 3, 18), D(2026, 3, 19), 1),
        (D(2026, 3, 19), D(2026, 3, 19), 0),
        (D(2026, 3, 20), D(2026, 3, 19), -1),
        (D(2026, 3, 23), D(2026, 3, 19), -2),  # over the weekend
        (D(2026, 9, 30), D(2026, 10, 9), 2),  # across National Day
    ],
)
def test_working_days_left(today, deadline, left):
    assert working_days_left(today, deadline) == left


def test_at_least_one_day_is_counted():
    with pytest.raises(ValueError, match="at least one"):
        add_working_days(D(2026, 1, 5), 0)
