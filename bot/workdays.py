"""Deadlines in working days: Monday to Friday, Dutch public holidays off.

A report made on a working day starts counting that day; one made at the weekend or on a
holiday counts as made on the next working day. The deadline is the date on which the given
number of further working days has passed: a Monday report with 3 working days is due Thursday.
The same counting measures how long a team took: picked up on the day counting starts is 0
working days, on the working day after it 1.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy

_NL_HOLIDAYS = holidays.country_holidays("NL")


def is_public_holiday(day: date) -> bool:
    """A Dutch public holiday (Koningsdag, Hemelvaart, Tweede Kerstdag, ...)."""
    return day in _NL_HOLIDAYS


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Dutch public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(day: date) -> date:
    """``day`` itself when it is a working day, otherwise the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, days: int) -> date:
    """The working day ``days`` working days after ``start`` (counted from its next working day)."""
    day = next_working_day(start)
    for _ in range(days):
        day = next_working_day(day + timedelta(days=1))
    return day


def deadline_for(created_at: datetime, days: int, timezone: ZoneInfo) -> date:
    """The local date by which a signal made at ``created_at`` needs a first contact."""
    return add_working_days(created_at.astimezone(timezone).date(), days)


@cache
def _calendar(first_year: int, last_year: int) -> numpy.busdaycalendar:
    """Monday to Friday without the Dutch public holidays of these years, for numpy."""
    off = holidays.country_holidays("NL", years=range(first_year, last_year + 1))
    return numpy.busdaycalendar(holidays=sorted(off))


@lru_cache(maxsize=1 << 16)  # a report asks for the same few hundred pairs of days often
def working_days_between(start: date, end: date) -> int:
    """How many working days after ``start``'s first counting day ``end`` falls (never below
    0): a Monday report picked up on Monday took 0, on Thursday 3, on the Saturday after 4."""
    first = next_working_day(start)
    if end <= first:
        return 0
    one = timedelta(days=1)
    calendar = _calendar(first.year, end.year)
    return int(numpy.busday_count(first + one, end + one, busdaycal=calendar))
