"""The review clock: the communications administrations review a filing within a number
of working days, counted without weekends and public holidays, with China's adjusted
working days (调休, a Saturday or Sunday worked to bridge a holiday) counted as
working days.

The calendar is chinese-calendar's, which the State Council's yearly notice updates;
for a year it does not cover yet (it raises `NotImplementedError`) the holidays
package's China calendar stands in: its statutory holidays and the adjusted days it
knows, weekends otherwise. A date counted with the stand-in is *provisional*: the
State Council publishes the next year's adjustments in the autumn, and a new
chinese-calendar release then gives the final date.
"""

import datetime
from dataclasses import dataclass
from functools import cache

import chinese_calendar
import holidays

# Working days the administration has for a review, by province code; the rest take
# DEFAULT_REVIEW_DAYS. Zhejiang's administration publishes 30.
DEFAULT_REVIEW_DAYS = 20
REVIEW_DAYS: dict[str, int] = {"zj": 30}

# Counting stops after this many calendar days (no deadline is further away).
LONGEST_SPAN = datetime.timedelta(days=366)


def review_days(province_code: str) -> int:
    """The working days the province's administration has for a review."""
    return REVIEW_DAYS.get(province_code, DEFAULT_REVIEW_DAYS)


@cache
def _fallback(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)  # type: ignore[no-untyped-call]


@cache
def is_covered(year: int) -> bool:
    """Whether chinese-calendar knows the year's holidays and adjusted days."""
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_working_day(day: datetime.date) -> bool:
    """Whether the administrations work on `day` (Beijing date)."""
    if is_covered(day.year):
        return bool(chinese_calendar.is_workday(day))
    return bool(_fallback(day.year).is_working_day(day))


@dataclass(frozen=True)
class Deadline:
    """A date some working days on, and whether a year on the way was not covered."""

    day: datetime.date
    provisional: bool


def add_working_days(start: datetime.date, days: int) -> Deadline:
    """The `days`-th working day after `start` (`start` itself not counted: a filing
    entering review on a Friday evening or a holiday starts its count on the next
    working day)."""
    if days < 1:
        raise ValueError("Count at least one working day.")
    day, counted, provisional = start, 0, not is_covered(start.year)
    while counted < days:
        day += datetime.timedelta(days=1)
        if day - start > LONGEST_SPAN:
            raise ValueError(f"{days} working days from {start} exceed a year.")
        provisional = provisional or not is_covered(day.year)
        if is_working_day(day):
            counted += 1
    return Deadline(day, provisional)


def working_days_left(today: datetime.date, deadline: datetime.date) -> int:
    """Working days from the day after `today` up to and including `deadline`;
    negative when `deadline` is past (the working days since it, counted so)."""
    if deadline >= today:
        first, last, sign = today, deadline, 1
    else:
        first, last, sign = deadline, today, -1
    if last - first > LONGEST_SPAN * 2:
        return sign * 999  # far beyond any clock; not worth counting day by day
    count = 0
    day = first
    while day < last:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return sign * count
