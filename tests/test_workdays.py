"""Deadlines in working days: weekends and Dutch public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.workdays import (
    add_working_days,
    deadline_for,
    is_working_day,
    next_working_day,
    working_days_between,
)

AMS = ZoneInfo("Europe/Amsterdam")


def test_monday_plus_three_is_thursday() -> None:
    assert add_working_days(date(2026, 11, 23), 3) == date(2026, 11, 26)


def test_friday_plus_one_skips_the_weekend() -> None:
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_a_weekend_report_counts_from_monday() -> None:
    """Saturday and the following Monday give the same deadline."""
    assert add_working_days(date(2026, 11, 28), 3) == add_working_days(date(2026, 11, 30), 3)


def test_public_holidays_are_skipped() -> None:
    """Christmas 2026: Friday 25 and Saturday 26 December; Thursday 24 + 1 is Monday 28."""
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2027, 4, 27)), "Koningsdag"
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)


def test_the_local_date_decides_not_utc() -> None:
    """23:30 UTC on Friday is 00:30 on Saturday in Amsterdam: it counts from Monday."""
    saturday_night = datetime(2026, 11, 27, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert deadline_for(saturday_night, 1, AMS) == date(2026, 12, 1)


def test_easter_monday_and_koningsdag_are_no_working_days() -> None:
    """2027: Good Friday 26 March (a holiday for the holidays package), Easter Monday 29 March;
    Koningsdag Tuesday 27 April."""
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)  # Thu + 1 → Tue
    assert add_working_days(date(2027, 4, 26), 1) == date(2027, 4, 28)  # Mon + 1 skips Tue


def test_christmas_week_deadline() -> None:
    """Wed 23 Dec 2026 + 3: Thu 24, Mon 28, Tue 29 (Christmas Day and Boxing Day off)."""
    assert add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 29)


def test_working_days_between_counts_as_the_deadline_does() -> None:
    """For every start and end around Christmas and New Year 2026-2027: the working days
    counted one by one, and a deadline of n days is n working days away."""
    first = date(2026, 12, 14)
    for offset in range(30):
        start = first + timedelta(days=offset)
        for span in range(40):
            end = start + timedelta(days=span)
            counted = sum(
                1
                for k in range(1, (end - next_working_day(start)).days + 1)
                if is_working_day(next_working_day(start) + timedelta(days=k))
            )
            assert working_days_between(start, end) == counted, (start, end)
        for n in range(6):
            assert working_days_between(start, add_working_days(start, n)) == n


def test_working_days_between_examples() -> None:
    """A Monday report: picked up that Monday 0, Thursday 3, the Saturday after 4; never below 0."""
    monday = date(2026, 11, 23)
    assert working_days_between(monday, monday) == 0
    assert working_days_between(monday, date(2026, 11, 26)) == 3
    assert working_days_between(monday, date(2026, 11, 28)) == 4
    assert working_days_between(monday, date(2026, 11, 20)) == 0
