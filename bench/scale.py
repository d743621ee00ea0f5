"""Benchmark: the bot at a region's size after five years (``make bench-scale``).

``python -m bench.scale [--signals N] [--repeat K]`` builds (or reuses) a database of N signals
over ten teams (see bench/scale_build.py), then measures what grows with it: the digest, the
queue, a signal, the export, retention, the rights, a resident's turns while the long jobs run,
start-up and memory with many planned check-ins, a burst of check-ins through a stand-in that
holds the bot to Telegram's limit, and a stop in the middle of a check-in pass. Each figure is
the median of K runs unless the table says otherwise; it prints one markdown table at the end.
It measures and prints; it asserts nothing about speed.

Every measurement that changes data works on its own copy of the built database, so repeats
start from the same state. The built database, its key and the copies live in ``data/`` (not
in git); the copies are removed when the benchmark ends.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.scale_build import Built, ensure
from bench.scale_stub import RateLimitedStub
from bot import assembly, exporting
from bot.checkins import Checkins
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.digests import Digests
from bot.engine import Engine, Event, EventKind, Flow, Reply
from bot.i18n import Catalogs, setup
from bot.language import Language
from bot.quarters import current_quarter, previous_quarter, quarters_up_to
from bot.retention import purge_by_config
from bot.rights import forget
from bot.suppression import GRAND
from bot.team import create_invite
from bot.wijkbeeld import HISTORY, read_rows, wijkbeeld
from storage import Cipher, Database, to_db_time

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "example.toml"
# The moment the five years end: a Monday morning, a working day after the digest time.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TEAMS = 10
TOKEN = "123456:BENCH"

# The rows of the table, in order (the smoke test checks that each is printed).
ROW_BUILD = "Build the database"
ROW_DIGEST_TEAM = "Digest of one team (figures + every member's message)"
ROW_DIGEST_ALL = "Digest of all teams"
ROW_QUEUE = "/wachtrij, team member"
ROW_QUEUE_ALL = "/wachtrij, coordinator (all teams)"
ROW_SIGNAL = "/signaal REF"
ROW_WIJKBEELD = (
    "/wijkbeeld of the busiest team, last full quarter (figures; with both charts; the query)"
)
ROW_EXPORT_CSV = "export --format csv (subprocess)"
ROW_EXPORT_JSON = "export --format json (subprocess)"
ROW_PURGE_IDLE = "Nightly purge, nothing due"
ROW_PURGE_DUE = "Purge with a backlog"
ROW_FORGET = "person forget (command line)"
ROW_VERWIJDEREN = "/verwijderen + confirm"
ROW_TURNS_IDLE = "Turn latency, no job running"
ROW_TURNS_DIGEST = "Turn latency during the digest of all teams"
ROW_TURNS_CHECKINS = "Turn latency during a check-in pass"
ROW_TURNS_PURGE = "Turn latency during the purge with a backlog"
ROW_TURNS_EXPORT = "Turn latency during the export (in-process)"
ROW_STARTUP = "Start-up to ready, planned check-ins"
ROW_FIRST_PASS = "First check-in pass, none due"
ROW_BURST = "Check-in burst through the rate-limited stand-in"
ROW_RSS_IDLE = "Resident memory, idle"
ROW_RSS_BUSY = "Resident memory, open conversations"
ROW_SIGTERM = "SIGTERM during a check-in pass"
ROWS = (
    ROW_BUILD,
    ROW_DIGEST_TEAM,
    ROW_DIGEST_ALL,
    ROW_QUEUE,
    ROW_QUEUE_ALL,
    ROW_SIGNAL,
    ROW_WIJKBEELD,
    ROW_EXPORT_CSV,
    ROW_EXPORT_JSON,
    ROW_PURGE_IDLE,
    ROW_PURGE_DUE,
    ROW_FORGET,
    ROW_VERWIJDEREN,
    ROW_TURNS_IDLE,
    ROW_TURNS_DIGEST,
    ROW_TURNS_CHECKINS,
    ROW_TURNS_PURGE,
    ROW_TURNS_EXPORT,
    ROW_STARTUP,
    ROW_FIRST_PASS,
    ROW_BURST,
    ROW_RSS_IDLE,
    ROW_RSS_BUSY,
    ROW_SIGTERM,
)
AIM_TURN = "≤ 100 ms (a turn)"
BACKLOG_SPAN = timedelta(days=60)  # how long the purge with a backlog did not run


@dataclass
class Table:
    """The rows measured so far: what, the figure, the aim."""

    rows: dict[str, tuple[str, str]] = field(default_factory=dict)

    def add(self, what: str, figure: str, aim: str) -> None:
        self.rows[what] = (figure, aim)
        print(f"  {what}: {figure}", flush=True)

    def markdown(self) -> str:
        lines = ["| What | Figure | Aim |", "|---|---|---|"]
        for what in ROWS:
            figure, aim = self.rows.get(what, ("not measured", "-"))
            lines.append(f"| {what} | {figure} | {aim} |")
        return "\n".join(lines)


@dataclass
class Bench:
    """What every measurement needs: the options, the built database, the config, the copies."""

    args: argparse.Namespace
    built: Built
    config_path: Path
    work: Path
    table: Table
    flows: dict[str, Flow]
    language: Language | None = None

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def repeat(self) -> int:
        return int(self.args.repeat)

    def copy(self, name: str) -> Path:
        """A fresh copy of the built database (after emptying its write-ahead log)."""
        with sqlite3.connect(self.built.path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = self.work / name
        remove_db(target)
        shutil.copy(self.built.path, target)
        return target

    def model(self) -> Language:
        """The sentence model and cue lists, loaded once for every in-process engine."""
        if self.language is None:
            self.language = Language.load()
        return self.language

    async def open(self, path: Path) -> tuple[Database, Engine]:
        """The database at ``path`` and an engine on it, at :data:`NOW` on a fake clock."""
        db = await Database.open(path, cipher=Cipher([self.built.key]))
        engine = assembly.build_engine(
            db, self.config, FakeClock(NOW), self.flows, language=self.model()
        )
        return db, engine


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def runs(count: int) -> str:
    return "median of 1 run" if count == 1 else f"median of {count} runs"


# -- the config ----------------------------------------------------------------------------


def write_config(folder: Path, key_file: Path) -> Path:
    """The example config with the benchmark's key, quiet hours off (the bot processes run on
    the real clock, whatever the hour) and at least :data:`TEAMS` teams."""
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"^key_file\s*=.*$", f'key_file = "{key_file}"', text, flags=re.M)
    text = re.sub(r"^quiet_hours\s*=.*$", 'quiet_hours = ""', text, flags=re.M)
    # Paths in a config are relative to it: the example's offer file, from this other folder.
    offer_file = EXAMPLE_CONFIG.parent / "aanbod.toml"
    text = re.sub(r'^file\s*=\s*"aanbod.toml"', f'file = "{offer_file}"', text, flags=re.M)
    path = folder / "bench-scale.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    missing = TEAMS - len(config.teams)
    if missing > 0:
        owned = [r for t in config.teams.values() for r in t.postcodes]
        free = [
            d
            for d in range(1000, 10_000)
            if not any(r.contains(f"{d}AA") or r.contains(f"{d}ZZ") for r in owned)
        ]
        extra = []
        for n in range(missing):
            extra.append(
                f'\n[[teams]]\nid = "bench-{n + 1}"\nname = "bench-{n + 1}"\n'
                f'postcodes = ["{free[n * 10]}-{free[n * 10 + 4]}"]\n'
            )
        path.write_text(text + "".join(extra), encoding="utf-8")
        config = load_config(path)
    assert len(config.teams) >= TEAMS, "the config has too few teams"
    return path


# -- driving the engine --------------------------------------------------------------------

_UPDATE_IDS = iter(range(3_000_000_000, 4_000_000_000))


def event(chat_id: int, kind: EventKind, text: str) -> Event:
    return Event(chat_id, chat_id, kind, text, next(_UPDATE_IDS))


async def join(engine: Engine, chat_id: int, role: str, team: str | None) -> None:
    """A member joins through an invite, as in tests/test_team.py."""
    async with engine.db.transaction() as tx:
        code = await create_invite(tx, engine.config, role, team, engine.clock.now())
    replies = await engine.handle(
        Event(chat_id, chat_id, EventKind.COMMAND, f"/start {code}", None, "Bench")
    )
    assert replies, "the invite was not answered"


async def timed(work: Awaitable[Any]) -> float:
    began = time.perf_counter()
    await work
    return time.perf_counter() - began


async def no_send(reply: Reply) -> bool:
    """Sending as fast as can be: what a job does with the database, without Telegram."""
    await asyncio.sleep(0)
    return True


# -- reading: digest, queue, signal, rights -------------------------------------------------


async def measure_reads(bench: Bench, path: Path) -> None:
    db, engine = await bench.open(path)
    config = engine.config
    digests = Digests(config)
    try:
        per_team: dict[str, list[float]] = {team: [] for team in config.teams}
        totals = []
        for _ in range(bench.repeat):
            total = 0.0
            for team in config.teams:
                began = time.perf_counter()
                async with db.transaction() as tx:
                    since = await digests.last_sent(tx, team) or NOW - timedelta(days=1)
                    figures = await digests.figures(tx, team, since, NOW)
                    members = await tx.members.of_team(team)
                for member in members:
                    digests.for_member(figures, member.telegram_id, NOW, member.language)
                took = time.perf_counter() - began
                per_team[team].append(took)
                total += took
            totals.append(total)
        medians = {team: median(values) for team, values in per_team.items()}
        slowest = max(medians, key=medians.__getitem__)
        bench.table.add(
            ROW_DIGEST_TEAM,
            f"median team {ms(median(list(medians.values())))}, slowest ({slowest}) "
            f"{ms(medians[slowest])} ({runs(bench.repeat)})",
            "≤ 50 ms per team",
        )
        bench.table.add(
            ROW_DIGEST_ALL,
            f"{ms(median(totals))} for {len(config.teams)} teams ({runs(bench.repeat)})",
            f"≤ {50 * len(config.teams)} ms (50 ms per team)",
        )

        async with db.transaction() as tx:
            rows = await tx.read(
                "SELECT team, count(*) FROM signals WHERE status != 'afgerond'"
                " OR attention IS NOT NULL GROUP BY team ORDER BY count(*) DESC, team"
            )
        team, open_count = rows[0]
        member_chat, coordinator_chat = 77_000_001, 77_000_002
        await join(engine, member_chat, "teamlid", team)
        await join(engine, coordinator_chat, "coordinator", None)
        all_open = sum(r[1] for r in rows)
        for who, label, count in (
            (member_chat, ROW_QUEUE, f"{open_count} open in {team}"),
            (coordinator_chat, ROW_QUEUE_ALL, f"{all_open} open"),
        ):
            took_queue = [
                await timed(engine.handle(event(who, EventKind.COMMAND, "/wachtrij")))
                for _ in range(bench.repeat)
            ]
            figure = f"{ms(median(took_queue))} ({count}; {runs(bench.repeat)})"
            bench.table.add(label, figure, AIM_TURN)
        async with db.transaction() as tx:
            refs = await tx.read(
                "SELECT ref FROM signals WHERE team = ? AND (status != 'afgerond'"
                " OR attention IS NOT NULL) ORDER BY id LIMIT 1",
                (team,),
            )
        ref = refs[0][0]
        took_signal = [
            await timed(engine.handle(event(member_chat, EventKind.COMMAND, f"/signaal {ref}")))
            for _ in range(bench.repeat)
        ]
        bench.table.add(ROW_SIGNAL, f"{ms(median(took_signal))} ({runs(bench.repeat)})", AIM_TURN)
        await measure_wijkbeeld(bench, engine, member_chat, team)
        await measure_rights(bench, engine)
    finally:
        await db.close()


async def measure_wijkbeeld(bench: Bench, engine: Engine, member_chat: int, team: str) -> None:
    """The figures of four quarters of a team's signals (one query through the index on team and
    creation time), and ``/wijkbeeld`` as a member asks it: the figures and both charts."""
    quarter = previous_quarter(current_quarter(NOW, engine.config.timezone))
    held, figures, whole = [], [], []
    for _ in range(bench.repeat):
        began = time.perf_counter()
        async with engine.db.transaction() as tx:  # what the turn holds the database for
            await read_rows(tx, team, quarters_up_to(quarter, HISTORY), engine.config.timezone)
        held.append(time.perf_counter() - began)
        began = time.perf_counter()
        async with engine.db.transaction() as tx:
            made = await wijkbeeld(tx, team, quarter, engine.config, NOW)
        figures.append(time.perf_counter() - began)
        asked = event(member_chat, EventKind.COMMAND, f"/wijkbeeld {team} {quarter}")
        whole.append(await timed(engine.handle(asked)))
    counted = sum(q.tallies[GRAND].count for q in made.history if GRAND in q.tallies)
    bench.table.add(
        ROW_WIJKBEELD,
        f"{ms(median(figures))}; {ms(median(whole))}; the database held {ms(median(held))}"
        f" ({counted:,} signals in four quarters of {team}; {runs(bench.repeat)})",
        "-",
    )


async def measure_rights(bench: Bench, engine: Engine) -> None:
    """``person forget`` as the command line does it, and ``/verwijderen`` with its
    confirmation in the chat, each for another of the people with the most signals."""
    async with engine.db.transaction() as tx:
        people = await tx.read(
            "SELECT p.telegram_id, count(*) FROM signals s JOIN people p ON p.id = s.reporter_id"
            " GROUP BY s.reporter_id ORDER BY count(*) DESC, p.id LIMIT ?",
            (2 * bench.repeat,),
        )
    forgotten, removed = people[0::2], people[1::2]
    took = []
    for telegram_id, _count in forgotten:
        began = time.perf_counter()
        async with engine.db.transaction() as tx:  # as bot/cli.py _person does
            assert await tx.people.get(telegram_id) is not None
            await forget(tx, telegram_id, engine.clock.now())
            await tx.write("DELETE FROM conversations WHERE chat_id = ?", (telegram_id,))
        took.append(time.perf_counter() - began)
    counts = sorted({c for _t, c in forgotten})
    bench.table.add(
        ROW_FORGET,
        f"{ms(median(took))} (a person with {'/'.join(map(str, counts))} signals; "
        f"{runs(len(took))})",
        AIM_TURN,
    )
    asked, confirmed = [], []
    for telegram_id, _count in removed:
        began = time.perf_counter()
        replies = await engine.handle(event(telegram_id, EventKind.COMMAND, "/verwijderen"))
        middle = time.perf_counter()
        yes = next(b.data for r in replies for b in r.buttons if b.data.startswith("d:"))
        await engine.handle(event(telegram_id, EventKind.BUTTON, yes))
        asked.append(middle - began)
        confirmed.append(time.perf_counter() - middle)
    counts = sorted({c for _t, c in removed})
    bench.table.add(
        ROW_VERWIJDEREN,
        f"ask {ms(median(asked))}, confirm {ms(median(confirmed))} (a person with "
        f"{'/'.join(map(str, counts))} signals; {runs(len(confirmed))})",
        AIM_TURN,
    )


# -- subprocesses --------------------------------------------------------------------------


def bot_env() -> dict[str, str]:
    """The environment of a bot process: the key comes from the config's key file only."""
    env = {k: v for k, v in os.environ.items() if k != "WIJKSIGNAAL_KEY"}
    env["TELEGRAM_BOT_TOKEN"] = TOKEN
    return env


TIME = Path("/usr/bin/time")


def run_measured(command: list[str], out: Path, log: Path) -> tuple[float, float, int]:
    """Run ``command`` (stdout to ``out``): seconds, peak resident MiB, exit status.

    The peak is GNU time's (``%M``): the rusage of a child forked from this process would count
    this process's memory too, as the child had it until it started the command."""
    peak_file = log.with_suffix(".peak")
    wrapped = [str(TIME), "-f", "%M", "-o", str(peak_file), *command] if TIME.exists() else command
    began = time.perf_counter()
    with out.open("wb") as stdout, log.open("wb") as stderr:
        process = subprocess.Popen(wrapped, stdout=stdout, stderr=stderr, cwd=ROOT, env=bot_env())
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    took = time.perf_counter() - began
    peak_kib = float(usage.ru_maxrss)
    if TIME.exists():
        peak_kib = float(peak_file.read_text().strip().splitlines()[-1])
        peak_file.unlink()
    return took, peak_kib / 1024, process.returncode


def measure_export(bench: Bench, path: Path) -> None:
    for fmt, row in (("csv", ROW_EXPORT_CSV), ("json", ROW_EXPORT_JSON)):
        seconds, peaks = [], []
        out = bench.work / f"export.{fmt}"
        log = bench.work / "export.log"
        for _ in range(bench.repeat):
            command = [sys.executable, "-m", "bot", "export", "--config", str(bench.config_path)]
            command += ["--db", str(path), "--format", fmt]
            took, peak, status = run_measured(command, out, log)
            if status != 0:
                raise RuntimeError(f"export failed: {log.read_text(errors='replace')[-2000:]}")
            seconds.append(took)
            peaks.append(peak)
        size = out.stat().st_size
        out.unlink()
        bench.table.add(
            row,
            f"{median(seconds):,.1f} s, peak {median(peaks):,.0f} MiB "
            f"({size / 2**20:,.0f} MiB written; {runs(bench.repeat)})",
            "≤ 200 MB peak",
        )


# -- retention -----------------------------------------------------------------------------


async def make_backlog(db: Database, config: Config, due: int) -> tuple[int, int]:
    """A purge that has not run for two months: the ``due`` oldest closed signals now closed
    longer than the deletion period ago, and the ``due`` oldest not yet anonymised closed longer
    than the anonymisation period ago, in their own order: (to delete, to anonymise).

    The oldest are what a real backlog holds, and their rows lie together in the file; the same
    number scattered at random over the five years costs several times more per batch."""
    async with db.transaction() as tx:
        deleting = [
            r[0]
            for r in await tx.read(
                "SELECT id FROM signals WHERE status = 'afgerond' AND anonymised_at IS NOT NULL"
                " ORDER BY id LIMIT ?",
                (due,),
            )
        ]
        anonymising = [
            r[0]
            for r in await tx.read(
                "SELECT id FROM signals WHERE status = 'afgerond' AND anonymised_at IS NULL"
                " AND attention IS NULL ORDER BY id LIMIT ?",
                (due,),
            )
        ]

    def overdue(ids: list[int], period: timedelta) -> list[tuple[str, int]]:
        step = BACKLOG_SPAN / max(len(ids), 1)
        last = NOW - period - timedelta(hours=1)
        return [(to_db_time(last - step * (len(ids) - n)), i) for n, i in enumerate(ids)]

    async with db.transaction() as tx:
        await tx.write_many(
            "UPDATE signals SET closed_at = ? WHERE id = ?",
            overdue(deleting, config.delete_closed_after),
        )
        await tx.write_many(
            "UPDATE signals SET closed_at = ? WHERE id = ?",
            overdue(anonymising, config.anonymise_after),
        )
    await db.checkpoint()
    return len(deleting), len(anonymising)


async def measure_purge_idle(bench: Bench, path: Path) -> None:
    db, engine = await bench.open(path)
    try:
        await purge_by_config(db, engine.config, NOW)
        took = [await timed(purge_by_config(db, engine.config, NOW)) for _ in range(bench.repeat)]
    finally:
        await db.close()
    bench.table.add(
        ROW_PURGE_IDLE, f"{ms(median(took))} (right after a purge; {runs(bench.repeat)})", "< 1 s"
    )


async def purge_backlog_once(bench: Bench, path: Path) -> tuple[float, int, int, Any]:
    db = await Database.open(path, cipher=Cipher([bench.built.key]))
    try:
        deleting, anonymising = await make_backlog(db, bench.config, bench.args.due)
        began = time.perf_counter()
        result = await purge_by_config(db, bench.config, NOW)
        took = time.perf_counter() - began
    finally:
        await db.close()
    return took, deleting, anonymising, result


def measure_purge_backlog(bench: Bench) -> None:
    took = []
    for n in range(bench.args.heavy_repeat):
        path = bench.copy("purge.db")
        seconds, deleting, anonymising, result = asyncio.run(purge_backlog_once(bench, path))
        remove_db(path)
        took.append(seconds)
        print(f"    purge {n + 1}: {seconds:.1f} s, {result}", flush=True)
    handled = deleting + anonymising
    seconds = median(took)
    bench.table.add(
        ROW_PURGE_DUE,
        f"{seconds:,.1f} s for {deleting:,} deleted + {anonymising:,} anonymised "
        f"({handled / seconds:,.0f} signals/s; {runs(len(took))})",
        "minutes, not hours",
    )


# -- a resident's turns while the long jobs run ---------------------------------------------


async def pick_due(db: Database, count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` signals of distinct residents who may get a check-in: (signal id, chat id)."""
    async with db.transaction() as tx:
        rows = await tx.read(
            "SELECT min(s.id), p.telegram_id FROM signals s JOIN people p ON p.id = s.reporter_id"
            " WHERE s.contact_method = 'chat' AND p.no_questions = 0"
            " AND p.unreachable_at IS NULL GROUP BY s.reporter_id"
        )
    chosen = random.Random(seed).sample(rows, min(count, len(rows)))
    return [(int(r[0]), int(r[1])) for r in chosen]


async def plan_checkins(
    db: Database, due: list[tuple[int, int]], at: datetime, later: datetime
) -> list[int]:
    """Check-ins for ``due``, due at ``at``; the check-ins planned already move to ``later``
    (nothing else is due). Their ids."""
    async with db.transaction() as tx:
        await tx.write(
            "UPDATE checkins SET due_at = ? WHERE state = 'gepland'", (to_db_time(later),)
        )
        ids = []
        for signal_id, _chat in due:
            rows = await tx.write_fetch(
                "INSERT INTO checkins (signal_id, kind, due_at) VALUES (?, 'na_melding', ?)"
                " RETURNING id",
                (signal_id, to_db_time(at)),
            )
            ids.append(int(rows[0][0]))
    await db.checkpoint()
    return ids


@dataclass
class Turns:
    """A resident's turns in a loop, one every ``interval`` seconds, each timed."""

    engine: Engine
    interval: float
    chats: Iterator[int]
    times: list[float] = field(default_factory=list)

    async def one(self, event: Event) -> list[Reply]:
        """A turn as the Telegram channel does it: the update is stored in the inbox, handled
        (out of the inbox, replies into the queue) and each reply leaves the queue."""
        began = time.perf_counter()
        async with self.engine.db.transaction() as tx:
            raw = json.dumps({"update_id": event.update_id, "text": event.text})
            await tx.inbox.store([(event.update_id or 0, raw)], self.engine.clock.now())
        replies = await self.engine.handle(event)
        for reply in replies:
            await self.engine.delivered(reply)
        self.times.append(time.perf_counter() - began)
        return replies

    async def run(self, stop: asyncio.Event, least: int) -> None:
        """New residents start a report and say who it is about, until ``stop`` (and at least
        ``least`` turns)."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while not stop.is_set() or len(self.times) < least:
            chat = next(self.chats)
            replies = await self.one(event(chat, EventKind.COMMAND, "/start"))
            buttons = [b for r in replies for b in r.buttons]
            steps = [event(chat, EventKind.BUTTON, buttons[0].data)] if buttons else []
            for step in [None, *steps]:
                if step is not None:
                    await self.one(step)
                next_at = max(next_at + self.interval, loop.time())
                await asyncio.sleep(next_at - loop.time())


async def during(
    engine: Engine, job: Coroutine[Any, Any, Any], interval: float, least: int, chats: Iterator[int]
) -> tuple[float, list[float]]:
    """Run ``job`` while a resident's turns go on in the same event loop: the job's seconds
    and each turn's."""
    turns = Turns(engine, interval, chats)
    stop = asyncio.Event()
    loop_task = asyncio.create_task(turns.run(stop, least))
    began = time.perf_counter()
    await job
    took = time.perf_counter() - began
    stop.set()
    await loop_task
    return took, turns.times


async def idle_for(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def latency_once(bench: Bench, path: Path, with_purge: bool, n: int) -> dict[str, Any]:
    db, engine = await bench.open(path)
    engine.durable = True  # as attached to the Telegram channel: inbox and reply queue
    config = engine.config
    found: dict[str, Any] = {}
    chats = iter(range(6_000_000_000 + n * 10_000_000, 7_000_000_000))
    try:
        due = await pick_due(db, bench.args.job_checkins, seed=n)
        await plan_checkins(db, due, NOW - timedelta(minutes=1), NOW + timedelta(days=30))
        if with_purge:
            await make_backlog(db, config, bench.args.due)
        jobs: list[tuple[str, Callable[[], Coroutine[Any, Any, Any]]]] = [
            (ROW_TURNS_IDLE, lambda: idle_for(bench.args.baseline)),
            (ROW_TURNS_DIGEST, lambda: Digests(config).deliver_due(engine, no_send)),
            (ROW_TURNS_EXPORT, lambda: exporting.write(db, "csv", io.StringIO())),
            (ROW_TURNS_CHECKINS, lambda: Checkins(config).send_due(engine, no_send)),
        ]
        if with_purge:
            jobs.append((ROW_TURNS_PURGE, lambda: purge_by_config(db, config, NOW)))
        for row, job in jobs:
            took, times = await during(engine, job(), bench.args.turn_interval, 5, chats)
            found[row] = (took, times)
            print(
                f"    {row}: job {took:.1f} s, {len(times)} turns, "
                f"p99 {percentile(times, 0.99) * 1000:.1f} ms",
                flush=True,
            )
    finally:
        await db.close()
    return found


def measure_latency(bench: Bench) -> None:
    results: dict[str, list[tuple[float, list[float]]]] = {}
    for n in range(bench.repeat):
        path = bench.copy("turns.db")
        with_purge = n < bench.args.heavy_repeat
        for row, value in asyncio.run(latency_once(bench, path, with_purge, n)).items():
            results.setdefault(row, []).append(value)
        remove_db(path)
    sizes = {
        ROW_TURNS_DIGEST: "",
        ROW_TURNS_EXPORT: f"{bench.built.signals:,} signals, ",
        ROW_TURNS_CHECKINS: f"{bench.args.job_checkins:,} due, sent without waiting, ",
        ROW_TURNS_PURGE: f"{bench.args.due:,} + {bench.args.due:,} due, ",
        ROW_TURNS_IDLE: "",
    }
    for row, values in results.items():
        p50 = median([percentile(t, 0.5) for _s, t in values])
        p99 = median([percentile(t, 0.99) for _s, t in values])
        worst = median([max(t) for _s, t in values])
        job = median([s for s, _t in values])
        turns = median([len(t) for _s, t in values])
        bench.table.add(
            row,
            f"p50 {ms(p50)}, p99 {ms(p99)}, max {ms(worst)} ({turns:.0f} turns; "
            f"{sizes[row]}job {job:,.1f} s; {runs(len(values))})",
            "p99 ≤ 100 ms",
        )


# -- start-up, memory, the burst, the stop --------------------------------------------------


def real_now() -> datetime:
    return datetime.now(NOW.tzinfo)


async def prepare_planned(bench: Bench, path: Path, planned: int) -> None:
    """``planned`` check-ins due in the coming two weeks (on the real clock the bot runs on),
    none due now."""
    start = max(real_now(), NOW) + timedelta(hours=1)
    rng = random.Random(7)
    db = await Database.open(path, cipher=Cipher([bench.built.key]))
    try:
        async with db.transaction() as tx:
            ids = [
                r[0]
                for r in await tx.read(
                    "SELECT id FROM signals WHERE contact_method = 'chat'"
                    " AND reporter_id IS NOT NULL"
                )
            ]
            await tx.write(
                "UPDATE checkins SET due_at = ? WHERE state = 'gepland'", (to_db_time(start),)
            )
            await tx.write_many(
                "INSERT INTO checkins (signal_id, kind, due_at) VALUES (?, ?, ?)",
                [
                    (
                        rng.choice(ids),
                        rng.choice(("na_melding", "na_afronding")),
                        to_db_time(start + timedelta(days=rng.uniform(0, 14))),
                    )
                    for _ in range(planned)
                ],
            )
        await db.checkpoint()
    finally:
        await db.close()


def measure_startup(bench: Bench) -> None:
    probes = []
    spawned = []
    for _ in range(bench.repeat):
        path = bench.copy("startup.db")
        asyncio.run(prepare_planned(bench, path, bench.args.checkins))
        command = [sys.executable, "-m", "bench.scale_probe", "--config", str(bench.config_path)]
        command += ["--db", str(path), "--chats", str(bench.args.chats)]
        began = time.time()
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=ROOT, env=bot_env(), check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"the probe failed: {done.stderr[-3000:]}")
        probe = json.loads(done.stdout.strip().splitlines()[-1])
        probes.append(probe)
        spawned.append(probe["ready_wall"] - began)
        remove_db(path)

    def mid(key: str) -> float:
        return median([float(p[key]) for p in probes])

    planned = f"{bench.args.checkins:,} planned"
    bench.table.add(
        ROW_STARTUP,
        f"{median(spawned):,.1f} s from process start, {mid('startup_s'):,.1f} s after the "
        f"imports ({planned}; {runs(len(probes))})",
        "seconds",
    )
    bench.table.add(
        ROW_FIRST_PASS,
        f"{mid('first_pass_ms'):,.1f} ms ({planned}; {runs(len(probes))})",
        "≤ 100 ms",
    )
    bench.table.add(
        ROW_RSS_IDLE,
        f"{mid('idle_mb'):,.0f} MB (fresh process, after start-up; {runs(len(probes))})",
        "≤ 400 MB",
    )
    bench.table.add(
        ROW_RSS_BUSY,
        f"{mid('busy_mb'):,.0f} MB with {int(mid('open_conversations')):,} chats in the middle "
        f"of a report ({runs(len(probes))})",
        "≤ 400 MB",
    )


async def prepare_due(bench: Bench, path: Path, count: int) -> dict[int, int]:
    """``count`` check-ins due now for distinct residents, nothing else due, today's digests
    recorded (the bot runs on the real clock): check-in id -> chat id."""
    now = min(real_now(), NOW) - timedelta(minutes=1)
    db = await Database.open(path, cipher=Cipher([bench.built.key]))
    try:
        due = await pick_due(db, count, seed=11)
        later = max(real_now(), NOW) + timedelta(days=30)
        ids = await plan_checkins(db, due, now, later)
        today = real_now().astimezone(bench.config.timezone).date().isoformat()
        async with db.transaction() as tx:
            await tx.write_many(
                "INSERT OR IGNORE INTO digests (team, day, sent_at) VALUES (?, ?, ?)",
                [(team, today, to_db_time(now)) for team in bench.config.teams],
            )
        await db.checkpoint()
    finally:
        await db.close()
    return {checkin: chat for checkin, (_signal, chat) in zip(ids, due, strict=True)}


def start_bot(
    bench: Bench, path: Path, stub: RateLimitedStub, log: Path
) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "bot", "run", "--config", str(bench.config_path)]
    command += ["--db", str(path), "--api-base-url", stub.base_url]
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=out, cwd=ROOT, env=bot_env())


def stop_bot(bot: subprocess.Popen[bytes], timeout: float) -> float | None:
    """SIGTERM, then wait: seconds until it ended, ``None`` when it had to be killed."""
    began = time.monotonic()
    bot.send_signal(signal.SIGTERM)
    try:
        bot.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        bot.kill()
        bot.wait()
        return None
    return time.monotonic() - began


def states(path: Path, ids: list[int]) -> dict[int, str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            f"SELECT id, state FROM checkins WHERE id IN ({','.join('?' * len(ids))})", ids
        ).fetchall()
    return {int(r[0]): str(r[1]) for r in rows}


def measure_burst(bench: Bench) -> None:
    path = bench.copy("burst.db")
    due = asyncio.run(prepare_due(bench, path, bench.args.burst))
    chats = set(due.values())
    log = bench.work / "burst.log"
    deadline = time.monotonic() + len(chats) / 20 + 120
    with RateLimitedStub() as stub:
        bot = start_bot(bench, path, stub, log)
        try:
            while time.monotonic() < deadline and bot.poll() is None:
                if chats <= set(stub.per_chat()):
                    break
                time.sleep(0.5)
        finally:
            stop_bot(bot, 120)
        received = stub.per_chat()
        times = stub.times_for(chats)
        refused = stub.refused
        twice = {c for c in chats if received[c] > 1}
        for chat in sorted(twice):
            at = stub.times_for({chat})
            print(f"    chat {chat} received {len(at)} times, {at[-1] - at[0]:.2f} s apart")
    delivered = sum(received[c] for c in chats)
    lost = sum(1 for c in chats if received[c] == 0)
    doubled = sum(1 for c in chats if received[c] > 1)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else float("nan")
    left = states(path, list(due))
    remove_db(path)
    crashed = "Traceback" in log.read_text(errors="replace")
    bench.table.add(
        ROW_BURST,
        f"{len(chats):,} due at once: {rate:,.1f} msg/s, {delivered:,} received, {lost:,} lost, "
        f"{doubled:,} doubled, {refused:,} answered 429"
        f"{'; a traceback in the log' if crashed else ''}; "
        f"states after: {dict(sorted(_count(left.values()).items()))} (1 run)",
        "≥ 28.5 msg/s (95% of 30/s), 0 lost, 0 doubled",
    )


def _count(values: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    for value in values:
        found[value] = found.get(value, 0) + 1
    return found


def measure_sigterm(bench: Bench) -> None:
    path = bench.copy("sigterm.db")
    due = asyncio.run(prepare_due(bench, path, bench.args.sigterm_due))
    chats = set(due.values())
    log = bench.work / "sigterm.log"
    enough = max(1, len(chats) // 10)
    with RateLimitedStub() as stub:
        bot = start_bot(bench, path, stub, log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and bot.poll() is None:
            if len(stub.times_for(chats)) >= enough:
                break
            time.sleep(0.05)
        at_signal = len(stub.times_for(chats))
        exit_s = stop_bot(bot, bench.args.sigterm_timeout)
        received = stub.per_chat()
    left = states(path, list(due))
    with sqlite3.connect(path) as conn:
        queued = {int(r[0]) for r in conn.execute("SELECT DISTINCT chat_id FROM reply_queue")}
    remove_db(path)
    sent_marked = [c for c, state in left.items() if state == "verstuurd"]
    unseen = [c for c in sent_marked if received[due[c]] == 0]
    in_queue = [c for c in unseen if due[c] in queued]
    got = sum(1 for c in chats if received[c] > 0)
    ended = (
        f"{exit_s:,.1f} s" if exit_s is not None else f"> {bench.args.sigterm_timeout} s (killed)"
    )
    bench.table.add(
        ROW_SIGTERM,
        f"exit {ended} after SIGTERM ({len(chats):,} due; {at_signal:,} received at SIGTERM, "
        f"{got:,} by exit); {len(unseen):,} marked verstuurd but never received, "
        f"{len(in_queue):,} of them in reply_queue (1 run)",
        "exit within seconds; 0 lost (not received and not queued)",
    )


# -- the whole benchmark --------------------------------------------------------------------


def machine() -> str:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    total = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            total = int(line.split()[1])
    return f"{os.cpu_count()} cores ({model}), {total / 2**20:.0f} GiB RAM"


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--heavy-repeat",
        type=int,
        default=1,
        help="runs of the purge with a backlog (alone and under turns)",
    )
    parser.add_argument("--checkins", type=int, default=100_000, help="planned at start-up")
    parser.add_argument("--burst", type=int, default=10_000, help="check-ins due at once")
    parser.add_argument("--due", type=int, default=100_000, help="purge backlog, of each kind")
    parser.add_argument("--job-checkins", type=int, default=2_000, help="due in the turn test")
    parser.add_argument("--sigterm-due", type=int, default=2_000)
    parser.add_argument("--sigterm-timeout", type=float, default=300.0)
    parser.add_argument("--chats", type=int, default=1_000, help="open conversations (memory)")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of turns, no job")
    parser.add_argument("--turn-interval", type=float, default=0.05)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = options(argv)
    setup(Catalogs())
    data = args.data_dir.resolve()
    work = data / "bench-scale-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    key_file = data / f"bench-scale-{args.signals}.key"
    config_path = write_config(work, key_file)
    table = Table()
    print(f"bench-scale: {args.signals:,} signals, repeat {args.repeat}; {machine()}", flush=True)
    built = asyncio.run(ensure(data, args.signals, config_path, NOW))
    counts = built.counts
    held = (
        f"{counts['signals']:,} signals ({counts['open']:,} open, {counts['anonymised']:,} "
        f"anonymised), {counts['signal_events']:,} events, {counts['consents']:,} consents, "
        f"{counts['people']:,} people, {counts['checkins']:,} check-ins, "
        f"{counts['signal_views']:,} views; {counts['bytes'] / 2**30:,.2f} GiB"
    )
    built_in = f"{built.seconds:,.0f} s" + (" (earlier; reused from data/)" if built.reused else "")
    table.add(ROW_BUILD, f"{built_in}: {held}", "-")
    bench = Bench(args, built, config_path, work, table, assembly.flows(Catalogs()))
    try:
        steps: list[tuple[str, Callable[[], None]]] = [
            ("reads", lambda: _on_copy(bench, "shared.db", measure_reads_and_export)),
            ("purge", lambda: _on_copy(bench, "purge.db", _purge_idle)),
            ("purge backlog", lambda: measure_purge_backlog(bench)),
            ("turns during jobs", lambda: measure_latency(bench)),
            ("start-up and memory", lambda: measure_startup(bench)),
            ("check-in burst", lambda: measure_burst(bench)),
            ("SIGTERM", lambda: measure_sigterm(bench)),
        ]
        for name, step in steps:
            began = time.perf_counter()
            print(f"- {name}", flush=True)
            step()
            print(f"  ({time.perf_counter() - began:,.0f} s)", flush=True)
    finally:
        if bench.language is not None:
            bench.language.close()
        logs = data / "bench-scale-logs"  # the bot processes' logs, kept for a look
        shutil.rmtree(logs, ignore_errors=True)
        logs.mkdir()
        for log in work.glob("*.log"):
            shutil.move(log, logs / log.name)
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"Machine: {machine()}; Python {sys.version.split()[0]}; {args.signals:,} signals.")
    print()
    print(table.markdown())


def _on_copy(bench: Bench, name: str, measure: Callable[[Bench, Path], None]) -> None:
    path = bench.copy(name)
    try:
        measure(bench, path)
    finally:
        remove_db(path)


def measure_reads_and_export(bench: Bench, path: Path) -> None:
    asyncio.run(measure_reads(bench, path))
    measure_export(bench, path)


def _purge_idle(bench: Bench, path: Path) -> None:
    asyncio.run(measure_purge_idle(bench, path))


if __name__ == "__main__":
    main()
