"""When an activity meets: Dutch rules such as ``di 10:00-12:00`` or ``1e do van de maand 19:30``.

A rule is read once, when the offer file is loaded; the dates themselves are computed, never
typed. :func:`next_occurrence` finds the first meeting after a moment: the recurrence comes from
``dateutil.rrule`` in the municipality's local wall time (so 10:00 stays 10:00 across the change
to and from summer time), Dutch public holidays are skipped when the activity says so, and the
result is an aware UTC datetime, as everything the bot stores or compares.

Rules the bot reads (case does not matter, ``elke``/``iedere`` in front is allowed):

- weekly: ``di 10:00``, ``di 10:00-12:00``, ``ma en wo 14:00-16:00``, ``ma, wo en vr 9.30``;
- monthly: ``1e do van de maand 19:30``, ``2e en 4e di van de maand 10:00-11:30``,
  ``laatste vr van de maand 12:00-13:30``. A month without a fifth Thursday simply has no
  meeting of a ``5e do`` rule.

Every other week, or a rule with a start date, is not supported: write two monthly rules
(``1e en 3e ...``) instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday

from bot.workdays import is_public_holiday

_DAYS = {
    "ma": 0,
    "maandag": 0,
    "di": 1,
    "dinsdag": 1,
    "wo": 2,
    "woensdag": 2,
    "do": 3,
    "donderdag": 3,
    "vr": 4,
    "vrijdag": 4,
    "za": 5,
    "zaterdag": 5,
    "zo": 6,
    "zondag": 6,
}
_ORDINALS = {
    "1e": 1,
    "1ste": 1,
    "eerste": 1,
    "2e": 2,
    "2de": 2,
    "tweede": 2,
    "3e": 3,
    "3de": 3,
    "derde": 3,
    "4e": 4,
    "4de": 4,
    "vierde": 4,
    "5e": 5,
    "5de": 5,
    "vijfde": 5,
    "laatste": -1,
}
_CLOCK = r"\d{1,2}[:.]\d{2}"
_RULE = re.compile(
    rf"^(?:(?:elke|iedere)\s+)?(?P<head>.+?)\s+(?P<start>{_CLOCK})"
    rf"(?:\s*(?:-|–|tot)\s*(?P<end>{_CLOCK}))?(?:\s+uur)?$"
)
_MONTHLY = re.compile(r"^(?P<ordinals>.+?)\s+(?P<day>[a-z]+)\s+van\s+de\s+maand$")
_LIST = re.compile(r"\s*,\s*|\s+en\s+")
# How far ahead a meeting is looked for: enough to pass a run of holidays, bounded for a rule
# that would never meet (every meeting on a holiday).
_LOOK_AHEAD = 120
# The display of a meeting: "dinsdag 1 december, 10:00".
DATE_FORMAT = "EEEE d MMMM, HH:mm"


class ScheduleError(ValueError):
    """A rule the bot cannot read; the message is the rule as written."""


@dataclass(frozen=True)
class Rule:
    """One recurrence: on ``weekdays`` (0 is Monday), every week (``ordinals`` empty) or on the
    given weeks of the month (1 to 5, -1 for the last), from ``start`` (until ``end``)."""

    text: str
    weekdays: tuple[int, ...]
    ordinals: tuple[int, ...]
    start: time
    end: time | None = None

    def starts(self, after: datetime) -> Iterator[datetime]:
        """The local (naive) starts of the meetings after the naive local moment ``after``."""
        first = datetime.combine(after.date().replace(day=1), self.start)
        if self.ordinals:
            days = [weekday(d, n) for d in self.weekdays for n in self.ordinals]
            recurrence = rrule(MONTHLY, byweekday=days, dtstart=first)
        else:
            recurrence = rrule(WEEKLY, byweekday=self.weekdays, dtstart=first)
        yield from recurrence.xafter(after, count=_LOOK_AHEAD)


@dataclass(frozen=True)
class Meeting:
    """A computed meeting: its start (and end) as aware UTC datetimes."""

    start: datetime
    end: datetime | None
    rule: Rule


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in re.split(r"[:.]", text))
    if hours > 23 or minutes > 59:
        raise ScheduleError(text)
    return time(hours, minutes)


def _names(text: str, known: dict[str, int], rule: str) -> tuple[int, ...]:
    found = []
    for part in _LIST.split(text.strip()):
        if part not in known:
            raise ScheduleError(rule)
        found.append(known[part])
    return tuple(dict.fromkeys(found))


def parse_rule(text: str) -> Rule:
    """Read one rule (see the module's description); :class:`ScheduleError` if it is none."""
    cleaned = " ".join(text.casefold().split())
    match = _RULE.match(cleaned)
    if not match:
        raise ScheduleError(text)
    start = _clock(match.group("start"))
    end = _clock(match.group("end")) if match.group("end") else None
    if end is not None and end <= start:
        raise ScheduleError(text)
    head = match.group("head")
    monthly = _MONTHLY.match(head)
    if monthly:
        ordinals = _names(monthly.group("ordinals"), _ORDINALS, text)
        days = _names(monthly.group("day"), _DAYS, text)
        return Rule(text, days, ordinals, start, end)
    return Rule(text, _names(head, _DAYS, text), (), start, end)


def _aware(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time as aware UTC. A time that does not exist (the hour skipped when summer
    time starts) comes out as the same wall time an hour later; a time that exists twice (when it
    ends) as the first of the two."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def next_occurrence(
    rules: Iterable[Rule], after: datetime, zone: ZoneInfo, *, skip_holidays: bool = False
) -> Meeting | None:
    """The first meeting of any of ``rules`` that starts after ``after`` (aware), computed in
    ``zone``'s wall time; with ``skip_holidays``, never on a Dutch public holiday. ``None`` when
    none falls within the look-ahead."""
    best: Meeting | None = None
    # From an hour before, in wall time: around the change back from summer time the same
    # wall time comes twice, and the UTC comparison below decides.
    local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=1)
    for rule in rules:
        for local in rule.starts(local_after):
            start = _aware(local, zone)
            if start <= after or (skip_holidays and is_public_holiday(local.date())):
                continue
            if best is None or start < best.start:
                end = None
                if rule.end is not None:
                    end = _aware(datetime.combine(local.date(), rule.end), zone)
                best = Meeting(start, end, rule)
            break
    return best


def format_meeting(meeting: Meeting, zone: ZoneInfo, lang: str) -> str:
    """``dinsdag 1 december, 10:00`` (``Tuesday 1 December, 10:00``) in ``zone``."""
    return format_datetime(meeting.start, DATE_FORMAT, tzinfo=zone, locale=lang)
