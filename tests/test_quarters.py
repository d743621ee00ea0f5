"""Quarters: how they are written, which one a moment falls in, and their UTC bounds."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.quarters import (
    bounds,
    current_quarter,
    find_quarter,
    parse_quarter,
    previous_quarter,
    quarter_of,
    quarters_up_to,
)
from tests.conftest import AMS


def test_quarter_of_and_the_one_before() -> None:
    """November is Q4, January Q1; the quarter before Q1 is Q4 of the year before."""
    assert quarter_of(date(2026, 11, 23)) == "2026Q4" and quarter_of(date(2027, 1, 1)) == "2027Q1"
    assert previous_quarter("2027Q1") == "2026Q4" and previous_quarter("2026Q3") == "2026Q2"
    assert quarters_up_to("2027Q2", 4) == ["2026Q3", "2026Q4", "2027Q1", "2027Q2"]


def test_the_ways_people_write_a_quarter() -> None:
    """2026Q4, 2026-Q4, q4 2026 and Q4-2026 are the same quarter; anything else is none."""
    for text in ("2026Q4", "2026q4", "2026-Q4", " q4 2026 ", "Q4-2026", "Q4 2026"):
        assert parse_quarter(text) == "2026Q4", text
    for text in ("2026Q5", "XXXXQ1", "2026", "Q4", "20261Q4", "2026Q41", "", "2026Q4 extra"):
        assert parse_quarter(text) is None, text
    assert find_quarter("krommenie q3 2026") == ("2026Q3", "krommenie")
    assert find_quarter("2026-Q1 zaandam-noord") == ("2026Q1", "zaandam-noord")
    assert find_quarter("zaandam-noord") == (None, "zaandam-noord")


def test_bounds_are_local_midnights_in_utc() -> None:
    """Q4 2026 in Amsterdam begins at 22:00 UTC on 30 September (summer time) and ends at 23:00
    UTC on 31 December (winter time)."""
    start, end = bounds("2026Q4", AMS)
    assert start == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    assert bounds("2027Q1", AMS)[0] == end


def test_the_current_quarter_is_the_local_one() -> None:
    """23:30 UTC on 31 December is already 1 January in Amsterdam: the new quarter."""
    assert current_quarter(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), AMS) == "2027Q1"
    assert current_quarter(datetime(2026, 12, 31, 22, 30, tzinfo=UTC), AMS) == "2026Q4"
