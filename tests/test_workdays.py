"""Deadlines in working days: weekends and Dutch public holidays do not count."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.workdays import add_working_days, deadline_for, is_working_day

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
