"""Deadlines in working days: Monday to Friday, Dutch public holidays off.

A report made on a working day starts counting that day; one made at the weekend or on a
holiday counts as made on the next working day. The deadline is the date on which the given
number of further working days has passed: a Monday report with 3 working days is due Thursday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

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
