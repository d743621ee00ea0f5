"""Quarters of the year as the reports name them: ``2026Q4``.

A quarter runs from local midnight on its first day to local midnight on the first day of the
next, in the municipality's time zone; what the database holds is UTC, so a report asks for the
UTC moments of those two midnights. People type quarters in several ways: ``2026Q4``,
``2026-Q4``, ``q4 2026`` and ``Q4-2026`` all mean the same.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

_QUARTER = re.compile(
    r"(?<![0-9A-Za-z])(?:(?P<year>[0-9]{4})\s*-?\s*[Qq](?P<q>[1-4])"
    r"|[Qq](?P<q2>[1-4])\s*-?\s*(?P<year2>[0-9]{4}))(?![0-9A-Za-z])"
)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def current_quarter(now: datetime, zone: tzinfo) -> str:
    """The quarter that ``now`` falls in, in the municipality's time zone."""
    return quarter_of(now.astimezone(zone).date())


def previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[5])
    return f"{year - 1}Q4" if q == 1 else f"{year}Q{q - 1}"


def quarters_up_to(quarter: str, count: int) -> list[str]:
    """``count`` quarters ending with ``quarter``, the oldest first."""
    found = [quarter]
    while len(found) < count:
        found.insert(0, previous_quarter(found[0]))
    return found


def find_quarter(text: str) -> tuple[str | None, str]:
    """The first quarter written in ``text`` (as ``2026Q4``) and the text without it."""
    match = _QUARTER.search(text)
    if match is None:
        return None, text
    year = match.group("year") or match.group("year2")
    number = match.group("q") or match.group("q2")
    rest = (text[: match.start()] + " " + text[match.end() :]).strip()
    return f"{year}Q{number}", " ".join(rest.split())


def parse_quarter(text: str) -> str | None:
    """``text`` as ``2026Q4`` when it is a quarter and nothing else; otherwise ``None``."""
    quarter, rest = find_quarter(text)
    return quarter if quarter is not None and not rest else None


def first_day(quarter: str) -> date:
    return date(int(quarter[:4]), 3 * int(quarter[5]) - 2, 1)


def bounds(quarter: str, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC moments at which ``quarter`` begins and the next one begins, in ``zone``."""
    year, q = int(quarter[:4]), int(quarter[5])
    after = date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)

    return midnight(first_day(quarter)), midnight(after)
