"""The wijkbeeld: what a team's signals say about its neighbourhood, per quarter.

Per postcode area (PC4) and category, and in totals per area, per category and for the whole
team: how many signals came in this quarter and the change against the last; of those closed,
the share closed with a collective offer against help for one person; the median number of
working days until a team member first picked a signal up and the share picked up within its
deadline; and what reporters answered to "Hoe gaat het nu?" (beter, hetzelfde, slechter).

Signals count for the team they are with now, in the quarter in which they were made, in the
municipality's time zone. Nothing that could name a person is read: no description, no full
postcode, no name, no reference. Every count under 5 is shown as "minder dan 5", and numbers
that would let one be computed back are hidden too (:mod:`bot.suppression`); a share, median or
change is shown only where the count behind it is shown and it rests on at least 5 signals.

One query reads a team's signals of four quarters through the index on (team, created_at), each
with its first pick-up and its check-in answers through the events' index on the signal; nothing
is decrypted. Who may see which team is decided by :class:`WijkbeeldDesk` (``/wijkbeeld``);
the command line has ``wijksignaal report wijkbeeld``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from babel.numbers import format_decimal

from bot.config import Config
from bot.domain import CATEGORIES
from bot.engine import ActionContext, Button, Reply, Service, StartFlow, shorten
from bot.i18n import N_, _, translate
from bot.quarters import bounds, current_quarter, find_quarter, quarter_of, quarters_up_to
from bot.suppression import GRAND, MIN_COUNT, Key, Mark, Protected, protect
from bot.workdays import working_days_between
from storage import Database, Tx, from_db_time, to_db_time

ANSWERS = ("beter", "hetzelfde", "slechter")
COLLECTIVE = "collectief_aanbod"
HISTORY = 4  # quarters in the chart
NO_AREA = ""  # signals without a postcode
MARKERS = {Mark.SMALL: N_("wijkbeeld.small"), Mark.HIDDEN: N_("wijkbeeld.hidden")}
# Half of the signals were picked up within this many working days: 0, 1, or more.
WAIT_TEXTS: dict[float | None, str] = {
    0: N_("wijkbeeld.wait.same_day"),
    1: N_("wijkbeeld.wait.one"),
    None: N_("wijkbeeld.wait"),
}
_SIGNALS = (
    "SELECT s.created_at, s.category, s.postcode4, s.status, s.outcome, s.deadline,"
    " (SELECT min(e.at) FROM signal_events e WHERE e.signal_id = s.id AND e.kind = 'opgepakt'),"
    " CASE WHEN s.created_at >= ? THEN (SELECT group_concat(substr(e.kind, 9))"
    " FROM signal_events e WHERE e.signal_id = s.id"
    " AND e.kind IN ('checkin:beter', 'checkin:hetzelfde', 'checkin:slechter')) END, s.id"
    " FROM signals s WHERE s.team = ? AND s.created_at >= ? AND s.created_at < ?"
    " AND (s.created_at, s.id) > (?, ?) ORDER BY s.created_at, s.id LIMIT ?"
)
PAGE = 2000  # signals per read: a turn of another chat waits for one page at most


@dataclass(frozen=True)
class Counted:
    """One signal as the wijkbeeld counts it: nothing in it could name a person."""

    quarter: str
    area: str
    category: str
    outcome: str | None  # when closed
    wait: int | None  # working days until the first pick-up
    in_time: bool | None  # picked up by the deadline; None while that is still open
    answers: tuple[str, ...] = ()


@dataclass
class Tally:
    """What one cell or total adds up to."""

    count: int = 0
    closed: int = 0
    collective: int = 0
    waits: list[int] = field(default_factory=list)
    decided: int = 0
    in_time: int = 0

    def add(self, signal: Counted) -> None:
        self.count += 1
        if signal.outcome is not None:
            self.closed += 1
            self.collective += signal.outcome == COLLECTIVE
        if signal.wait is not None:
            self.waits.append(signal.wait)
        if signal.in_time is not None:
            self.decided += 1
            self.in_time += signal.in_time

    def merge(self, other: Tally) -> None:
        """Add a cell's tally to a total."""
        self.count += other.count
        self.closed += other.closed
        self.collective += other.collective
        self.waits += other.waits
        self.decided += other.decided
        self.in_time += other.in_time


@dataclass(frozen=True)
class QuarterFigures:
    """One quarter of one team: the tallies per cell and total, and what may be shown."""

    quarter: str
    tallies: dict[Key, Tally]
    counts: Protected
    answers: dict[str, Protected]

    def count(self, key: Key) -> tuple[int | None, Mark]:
        """The count at ``key`` if it may be shown, else how it is suppressed; an area without
        signals this quarter counts 0 ("minder dan 5")."""
        if self.counts.withheld:
            return None, Mark.HIDDEN
        if key not in self.counts.values:
            return None, Mark.SMALL
        return self.counts.shown(key), self.counts.mark(key)

    def answer(self, answer: str, key: Key) -> tuple[int | None, Mark]:
        table = self.answers[answer]
        if table.withheld:
            return None, Mark.HIDDEN
        if key not in table.values:
            return None, Mark.SMALL
        return table.shown(key), table.mark(key)

    def derived(self, key: Key) -> Tally | None:
        """The tally behind the shares and the median at ``key``: only where its count is shown."""
        shown, _mark = self.count(key)
        return self.tallies.get(key, Tally()) if shown is not None else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole >= MIN_COUNT else None


def median_wait(tally: Tally) -> float | None:
    return statistics.median(tally.waits) if len(tally.waits) >= MIN_COUNT else None


def area_order(area: str) -> tuple[bool, str]:
    return area == NO_AREA, area


def figures_of(quarter: str, signals: Iterable[Counted]) -> QuarterFigures:
    """The tallies of each cell, and of each total from its cells; the protected tables."""
    cells: dict[tuple[str, str], Tally] = {}
    answered: dict[str, Counter[tuple[str, str]]] = {a: Counter() for a in ANSWERS}
    for signal in signals:
        if signal.quarter != quarter:
            continue
        cell = (signal.area, signal.category)
        cells.setdefault(cell, Tally()).add(signal)
        for answer in signal.answers:
            answered[answer][cell] += 1
    tallies: dict[Key, Tally] = {cell: tally for cell, tally in cells.items()}
    for (area, category), tally in cells.items():
        for total in ((area, None), (None, category), GRAND):
            tallies.setdefault(total, Tally()).merge(tally)
    areas = sorted({area for area, _category in cells}, key=area_order)
    counts = protect(areas, CATEGORIES, {cell: tally.count for cell, tally in cells.items()})
    answers = {answer: protect(areas, CATEGORIES, answered[answer]) for answer in ANSWERS}
    return QuarterFigures(quarter, tallies, counts, answers)


@dataclass(frozen=True)
class Wijkbeeld:
    team: str
    quarter: str
    now: QuarterFigures
    before: QuarterFigures
    history: list[QuarterFigures]  # HISTORY quarters, the oldest first, ending with ``now``

    @property
    def areas(self) -> list[str]:
        found = set(self.now.counts.rows) | set(self.before.counts.rows)
        return sorted(found, key=area_order)


async def _page(
    tx: Tx, team: str, quarters: list[str], zone: tzinfo, after: tuple[str, int], limit: int
) -> list[Any]:
    start, _end = bounds(quarters[0], zone)
    last, end = bounds(quarters[-1], zone)
    times = (to_db_time(last), team, to_db_time(start), to_db_time(end), *after, limit)
    return await tx.read(_SIGNALS, times)


async def read_rows(
    tx: Tx, team: str, quarters: list[str], zone: tzinfo, page: int = PAGE
) -> list[Any]:
    """The team's signals made in ``quarters`` (consecutive), page by page through the index
    on team and creation time; check-in answers only for the last quarter."""
    rows: list[Any] = []
    after = ("", 0)
    while len(found := await _page(tx, team, quarters, zone, after, page)) == page:
        rows += found
        after = (found[-1][0], found[-1][-1])
    return rows + found


async def read_rows_apart(
    db: Database, team: str, quarters: list[str], zone: tzinfo, page: int = PAGE
) -> list[Any]:
    """As :func:`read_rows`, each page in a short transaction of its own (after a turn)."""
    rows: list[Any] = []
    after = ("", 0)
    while True:
        async with db.transaction() as tx:
            found = await _page(tx, team, quarters, zone, after, page)
        rows += found
        if len(found) < page:
            return rows
        after = (found[-1][0], found[-1][-1])


def counted(rows: Iterable[Any], zone: tzinfo, today: date) -> list[Counted]:
    """The rows of :func:`read_rows` as what the figures count."""
    found = []
    for created_at, category, area, status, outcome, deadline, picked_at, answers, _id in rows:
        made = from_db_time(created_at).astimezone(zone).date()
        due = date.fromisoformat(deadline)
        picked = from_db_time(picked_at).astimezone(zone).date() if picked_at else None
        in_time = picked <= due if picked is not None else (False if today > due else None)
        found.append(
            Counted(
                quarter=quarter_of(made),
                area=area or NO_AREA,
                category=category,
                outcome=outcome if status == "afgerond" else None,
                wait=working_days_between(made, picked) if picked is not None else None,
                in_time=in_time,
                answers=tuple(answers.split(",")) if answers else (),
            )
        )
    return found


def report_of(
    rows: Iterable[Any], team: str, quarter: str, config: Config, now: datetime
) -> Wijkbeeld:
    """The wijkbeeld of ``team`` in ``quarter`` from its rows (no database needed)."""
    quarters = quarters_up_to(quarter, HISTORY)
    today = now.astimezone(config.timezone).date()
    signals = counted(rows, config.timezone, today)
    history = [figures_of(q, signals) for q in quarters]
    return Wijkbeeld(team, quarter, history[-1], history[-2], history)


async def wijkbeeld(tx: Tx, team: str, quarter: str, config: Config, now: datetime) -> Wijkbeeld:
    """The wijkbeeld of ``team`` in ``quarter``, with the three quarters before it."""
    rows = await read_rows(tx, team, quarters_up_to(quarter, HISTORY), config.timezone)
    return report_of(rows, team, quarter, config, now)


# -- text and CSV ----------------------------------------------------------------------------


def decimal(value: float, lang: str) -> str:
    """``2,5`` in Dutch, ``2.5`` in English."""
    return format_decimal(round(value, 1), locale=lang)


def _percent(value: float) -> str:
    return f"{round(value * 100)}"


class Writer:
    """The wijkbeeld in words (Telegram and markdown) and as CSV, in one language."""

    def __init__(self, report: Wijkbeeld, config: Config, lang: str) -> None:
        self.report = report
        self.config = config
        self.lang = lang

    def t(self, key: str, **params: object) -> str:
        return translate(key, self.lang, **params)

    def shown(self, found: tuple[int | None, Mark]) -> str:
        value, mark = found
        return str(value) if value is not None else self.t(MARKERS[mark])

    def label(self, key: Key) -> str:
        area, category = key
        if category is not None:
            return self.t(f"category.{category}")
        if area is None:
            return self.t(N_("wijkbeeld.team"))
        if area == NO_AREA:
            return self.t(N_("wijkbeeld.area.unknown"))
        return self.t(N_("wijkbeeld.area"), pc4=area)

    def pieces(self, key: Key) -> list[str]:
        """What the line of ``key`` says, piece by piece; suppressed figures are left out."""
        now, before = self.report.now, self.report.before
        count, was = now.count(key), before.count(key)
        change = ""
        if count[0] is not None and was[0] is not None:
            change = f", {count[0] - was[0]:+d}"
        pieces = [
            self.t(
                N_("wijkbeeld.count"),
                count=self.shown(count),
                before=self.shown(was),
                change=change,
            )
        ]
        tally = now.derived(key)
        if tally is not None:
            collective = share(tally.collective, tally.closed)
            if collective is not None:
                pieces.append(
                    self.t(
                        N_("wijkbeeld.closed"),
                        collective=_percent(collective),
                        individual=_percent(1 - collective),
                    )
                )
            wait = median_wait(tally)
            if wait is not None:
                pieces.append(
                    self.t(WAIT_TEXTS.get(wait, WAIT_TEXTS[None]), days=decimal(wait, self.lang))
                )
            in_time = share(tally.in_time, tally.decided)
            if in_time is not None:
                pieces.append(self.t(N_("wijkbeeld.in_time"), share=_percent(in_time)))
        answers = {a: now.answer(a, key) for a in ANSWERS}
        if any(value is not None for value, _mark in answers.values()):
            pieces.append(
                self.t(N_("wijkbeeld.answers"), **{a: self.shown(f) for a, f in answers.items()})
            )
        return pieces

    def line(self, key: Key) -> str:
        return f"- {self.label(key)}: " + "; ".join(self.pieces(key))

    def block(self, title: str, keys: list[Key]) -> list[str]:
        """A title and a line per key; the keys under 5 in both quarters share one line."""
        lines = [title]
        small = 0
        for key in keys:
            both = (self.report.now.count(key), self.report.before.count(key))
            if both == ((None, Mark.SMALL), (None, Mark.SMALL)):
                small += 1
                continue
            lines.append(self.line(key))
        if small:
            lines.append(self.t(N_("wijkbeeld.rest")))
        return lines

    def text(self) -> str:
        report = self.report
        parts = [
            self.t(
                N_("wijkbeeld.head"),
                team=self.config.team_name(report.team),
                quarter=report.quarter,
                before=report.before.quarter,
            ),
            "\n".join([self.t(N_("wijkbeeld.whole")), self.line(GRAND)]),
            "\n".join(
                self.block(self.t(N_("wijkbeeld.per_category")), [(None, c) for c in CATEGORIES])
            ),
        ]
        for area in self.report.areas:
            title = f"{self.label((area, None))}: " + "; ".join(self.pieces((area, None)))
            parts.append("\n".join(self.block(title, [(area, c) for c in CATEGORIES])))
        parts.append(self.t(N_("wijkbeeld.legend")))
        return "\n\n".join(parts)

    def csv(self) -> str:
        """One row per area and category, then the totals; suppressed cells hold the marker."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = ["team", "quarter", "postcode4", "category", "signals", "signals_before"]
        header += ["change", "share_collective", "share_individual", "median_working_days"]
        writer.writerow([*header, "share_in_time", *(f"answer_{a}" for a in ANSWERS)])
        everything = self.t(N_("wijkbeeld.csv.all"))
        keys: list[Key] = [(a, c) for a in self.report.areas for c in (*CATEGORIES, None)]
        keys += [(None, c) for c in (*CATEGORIES, None)]
        for key in keys:
            area, category = key
            writer.writerow(
                [
                    self.report.team,
                    self.report.quarter,
                    everything if area is None else area,
                    everything if category is None else category,
                    *self.csv_figures(key),
                ]
            )
        return out.getvalue()

    def csv_figures(self, key: Key) -> list[str]:
        now, before = self.report.now, self.report.before
        count, was = now.count(key), before.count(key)
        tally = now.derived(key)
        # A figure resting on fewer than 5 signals, or on a count not shown, gets a marker.
        small, hidden = self.t(MARKERS[Mark.SMALL]), self.t(MARKERS[Mark.HIDDEN])
        unshown = small if tally is not None else hidden

        def figure(value: float | None, write: Callable[[float], str]) -> str:
            return unshown if value is None else write(value)

        collective = share(tally.collective, tally.closed) if tally else None
        change = None
        if count[0] is not None and was[0] is not None:
            change = count[0] - was[0]
        return [
            self.shown(count),
            self.shown(was),
            hidden if change is None else f"{change:+d}",
            figure(collective, lambda v: f"{v:.2f}"),
            figure(None if collective is None else 1 - collective, lambda v: f"{v:.2f}"),
            figure(median_wait(tally) if tally else None, lambda v: f"{v:g}"),
            figure(share(tally.in_time, tally.decided) if tally else None, lambda v: f"{v:.2f}"),
            *(self.shown(now.answer(a, key)) for a in ANSWERS),
        ]


# -- who sees what ---------------------------------------------------------------------------


class WijkbeeldDesk:
    """``/wijkbeeld [team] [kwartaal]``: team members see their own team, a council member the
    team they adopted, a coordinator any team; anyone else is told it is not for them."""

    def __init__(self, config: Config) -> None:
        self.config = config

    def service(self) -> Service:
        return Service(commands={"wijkbeeld": self.show}, buttons={"wb": self.show})

    async def show(self, ctx: ActionContext, argument: str) -> StartFlow | None:
        member = await ctx.tx.members.get(ctx.event.user_id)
        allowed: set[str] = set()
        if member is not None:
            coordinator = member.role == "coordinator"
            allowed = set(self.config.teams) if coordinator else set(member.teams | member.adopted)
        if not allowed:
            ctx.say(N_("wijkbeeld.refused"))
            return None
        quarter, rest = find_quarter(argument)
        words = rest.split()
        quarter = quarter or current_quarter(ctx.now, self.config.timezone)
        if len(words) > 1 or (words and words[0] not in self.config.teams):
            ctx.say(
                N_("wijkbeeld.unknown"),
                words=shorten(rest, 40),
                example=f"{min(allowed)} {quarter}",
                teams=", ".join(sorted(allowed)),
            )
            return None
        if words and words[0] not in allowed:
            ctx.say(N_("wijkbeeld.not_yours"), teams=self.team_names(allowed))
            return None
        if not words and len(allowed) > 1:
            buttons = tuple(
                Button(self.config.team_name(t), f"wb:{t} {quarter}") for t in sorted(allowed)
            )
            ctx.replies.append(Reply(_(N_("wijkbeeld.which")), buttons))
            return None
        team = words[0] if words else next(iter(allowed))
        # After the turn, so reading and drawing never hold the database for long.
        now, language = ctx.now, ctx.language

        async def answer(db: Database) -> list[Reply]:
            quarters = quarters_up_to(quarter, HISTORY)
            rows = await read_rows_apart(db, team, quarters, self.config.timezone)
            report = await asyncio.to_thread(report_of, rows, team, quarter, self.config, now)
            return await replies(report, self.config, language)

        ctx.later.append(answer)
        return None

    def team_names(self, teams: Iterable[str]) -> str:
        return ", ".join(self.config.team_name(t) for t in sorted(teams))


def output(report: Wijkbeeld, config: Config, lang: str, form: str) -> str | bytes:
    """The wijkbeeld as a file: ``md`` (the chat's text), ``csv`` or ``png`` (both charts)."""
    if form == "png":
        from bot.wijkbeeld_chart import stacked

        return stacked(report, config, lang)
    writer = Writer(report, config, lang)
    return writer.csv() if form == "csv" else writer.text()


async def replies(report: Wijkbeeld, config: Config, lang: str) -> list[Reply]:
    """The text, then the two charts as pictures (drawn off the event loop)."""
    from bot.wijkbeeld_chart import charts

    drawn = await asyncio.to_thread(charts, report, config, lang)
    return [Reply(Writer(report, config, lang).text())] + [
        Reply(caption, photo=png) for caption, png in drawn
    ]
