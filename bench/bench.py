"""Benchmark: complete report conversations through the real ``Application.process_update``
against a bare python-telegram-bot echo handler over the same number of updates.

Run with ``make bench`` (``BENCH_CONVERSATIONS`` sets how many; default 2000). It measures and
prints; it asserts nothing about speed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.assembly import build_engine
from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest, text_update
from bot.clock import FakeClock
from bot.config import load_config
from bot.engine import Engine, Event, Reply
from bot.language import Language, read_labelled, training_files
from storage import Cipher, Database

ROOT = Path(__file__).resolve().parent.parent


async def one_report(chat: OfflineChat, n: int) -> int:
    """A whole report with consent and a contact choice; the number of updates it took."""
    await chat.send("/start")
    await chat.tap("Over iemand anders")
    await chat.send("Mijn buurman is erg eenzaam, hij krijgt nooit bezoek en de post stapelt op.")
    await chat.tap("Ja")  # Gaat het over iemand die eenzaam is?
    await chat.tap("Nee")
    await chat.tap("Ja")
    await chat.send("1503 AB")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
    sent = await chat.tap("Versturen")  # the reference, then the offer in the neighbourhood
    if not any("WS-" in message["text"] for message in sent):
        raise RuntimeError(f"conversation {n} did not end with a reference: {sent[-1]['text']!r}")
    return 11


class RecordingEngine:
    """Keeps what the engine answered to each update, for the replay; the engine itself is
    attached, as the bot runs it (durable: the inbox and the reply queue in every turn)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.trace: list[tuple[Update, list[Reply]]] = []
        self.current: Update | None = None
        self._handle = engine.handle
        engine.handle = self.handle  # type: ignore[method-assign]

    async def handle(self, event: Event) -> list[Reply]:
        replies = await self._handle(event)
        assert self.current is not None
        self.trace.append((self.current, replies))
        return replies


class Breakdown:
    """Where a turn's time goes: timers around the engine's entry points, the database's round
    trips (each a hop to aiosqlite's thread and back), SQLite's statements, the cipher and the
    language tools. Installed on one engine; the rest of a turn is python-telegram-bot's."""

    def __init__(self, engine: Engine) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(
            ("engine", "round trips", "crypto", "language"), 0.0
        )
        self.round_trips = 0
        self.statements = 0
        # Every call to aiosqlite's thread goes through _execute: a batch of statements is one.
        conn = engine.db.connection
        conn._execute = self._timed_async(conn._execute, "round trips", True)  # type: ignore[method-assign]
        cipher = engine.db.cipher
        for name in ("encrypt", "decrypt"):
            setattr(cipher, name, self._timed(getattr(cipher, name), "crypto"))
        if engine.language is not None:
            language = engine.language
            language.prepare = self._timed_async(language.prepare, "language")  # type: ignore[method-assign]
            language.crisis = self._timed(language.crisis, "language")  # type: ignore[method-assign]
            language.suggest = self._timed(language.suggest, "language")  # type: ignore[method-assign]
        for name in ("handle", "delivered", "passed_over"):
            setattr(engine, name, self._timed_async(getattr(engine, name), "engine"))

    async def count_statements(self, engine: Engine) -> None:
        def count(_sql: str) -> None:
            self.statements += 1

        await engine.db.connection.set_trace_callback(count)

    def _timed(self, function: Any, key: str) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[key] += time.perf_counter() - start

        return timed

    def _timed_async(self, function: Any, key: str, trip: bool = False) -> Any:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.seconds[key] += time.perf_counter() - start
                self.round_trips += trip

        return timed

    def report(self, updates: int, total: float) -> list[str]:
        """Per update: PTB, the engine's own logic, language, crypto, round trips, statements."""
        own = self.seconds["engine"]
        logic = (
            own - self.seconds["round trips"] - self.seconds["crypto"] - self.seconds["language"]
        )
        parts = [
            ("python-telegram-bot", total - own),
            ("engine logic", logic),
            ("language (crisis, suggestion)", self.seconds["language"]),
            ("crypto (Fernet)", self.seconds["crypto"]),
            ("database round trips", self.seconds["round trips"]),
        ]
        lines = [
            f"  {name + ':':32} {seconds / updates * 1000:6.3f} ms  ({seconds / total:4.0%})"
            for name, seconds in parts
        ]
        lines.append(
            f"  {'SQL statements, round trips:':32} {self.statements / updates:6.1f}, "
            f"{self.round_trips / updates:.1f} per update"
        )
        return lines


class ReplayEngine:
    """Answers each event with what the engine answered before: no flow, no database."""

    durable = False

    def __init__(self, replies: list[list[Reply]]) -> None:
        self._replies = iter(replies)

    async def handle(self, event: Event) -> list[Reply]:
        return next(self._replies)

    async def delivered(self, reply: Reply) -> None:
        return None

    async def passed_over(self, update_id: int) -> None:
        return None


async def bench_engine(
    conversations: int, folder: Path
) -> tuple[int, float, RecordingEngine, Breakdown]:
    config = load_config(ROOT / "config" / "example.toml")
    db = await Database.open(folder / "bench.db", cipher=Cipher([Cipher.generate()]))
    engine = build_engine(db, config, FakeClock(datetime(2026, 11, 23, 9, tzinfo=UTC)))
    request = OfflineRequest()
    app = build_application("123456:BENCH", request=request)
    await app.initialize()
    breakdown = Breakdown(engine)
    await breakdown.count_statements(engine)
    recorder = RecordingEngine(engine)
    attach_engine(app, engine)
    original = app.process_update

    async def process_update(update: object) -> None:
        assert isinstance(update, Update)
        recorder.current = update
        await original(update)

    app.process_update = process_update  # type: ignore[method-assign]
    updates = 0
    elapsed = 0.0
    for n in range(conversations):
        request.calls.clear()
        chat = OfflineChat(app, request, 10_000 + n)
        updates += await one_report(chat, n)
        elapsed += chat.busy  # only the time inside process_update, as for the echo
    async with db.transaction() as tx:
        stored = len(await tx.signals.all())
    if stored != conversations:
        raise RuntimeError(f"{stored} signals stored for {conversations} conversations")
    await app.shutdown()
    await db.close()
    return updates, elapsed, recorder, breakdown


async def bench_replay(trace: list[tuple[Update, list[Reply]]]) -> float:
    """The same updates and the same answers through the same adapter, without the engine."""
    request = OfflineRequest(record=False)
    app = build_application("123456:REPLAY", request=request)
    await app.initialize()
    attach_engine(app, ReplayEngine([replies for _update, replies in trace]))  # type: ignore[arg-type]
    start = time.perf_counter()
    for update, _replies in trace:
        await app.process_update(update)
    elapsed = time.perf_counter() - start
    await app.shutdown()
    return elapsed


async def bench_echo(updates: int) -> float:
    request = OfflineRequest(record=False)
    app = build_application("123456:ECHO", request=request)
    app.handlers.clear()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None and update.effective_message is not None
        await context.bot.send_message(
            update.effective_chat.id, update.effective_message.text or ""
        )

    app.add_handler(TypeHandler(Update, echo))
    await app.initialize()
    batch = [text_update(app.bot, i, 10_000 + i % 1000, f"bericht {i}") for i in range(updates)]
    start = time.perf_counter()
    for update in batch:
        await app.process_update(update)
    elapsed = time.perf_counter() - start
    await app.shutdown()
    return elapsed


def labelled_texts() -> list[str]:
    """Every labelled message the repository holds (training files and held-out sets)."""
    paths = [
        *training_files(),
        ROOT / "tests" / "data" / "dev-signals.jsonl",
        ROOT / "tests" / "data" / "extra-signals.jsonl",
    ]
    return [row.text for row in read_labelled(p for p in paths if p.is_file())]


def bench_language(limit: int = 600) -> tuple[int, list[float], dict[str, object]]:
    """Crisis check plus category suggestion, each message embedded afresh: milliseconds per
    message (sorted), and which model answered."""
    language = Language.load()
    texts = labelled_texts()[:limit]
    times = []
    for text in texts:
        language.forget()
        start = time.perf_counter()
        language.crisis(text)
        language.suggest(text)
        times.append((time.perf_counter() - start) * 1000)
    language.close()
    return len(texts), sorted(times), language.describe()


def percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def idle_memory_mb() -> float:
    """The resident memory of a bot that has started and handled one report, then waits: a
    fresh process (``python -m bench.memory``), so nothing of this benchmark counts."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory"], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


async def main() -> None:
    conversations = int(os.environ.get("BENCH_CONVERSATIONS", "2000"))
    with tempfile.TemporaryDirectory() as folder:
        updates, engine_s, recorder, breakdown = await bench_engine(conversations, Path(folder))
    replay_s = await bench_replay(recorder.trace)
    echo_s = await bench_echo(updates)
    engine_rate, echo_rate = updates / engine_s, updates / echo_s
    rows = [
        ("wijksignaal", engine_s),
        ("same replies, no engine", replay_s),
        ("bare PTB echo", echo_s),
    ]
    print(f"{conversations} complete reports, {updates} updates")
    for name, seconds in rows:
        print(f"{name + ':':26} {updates / seconds:8.0f} updates/s  ({seconds:.2f} s)")
    print(f"{'ratio to the echo:':26} {engine_rate / echo_rate:8.2f}")
    replay_rate = updates / replay_s
    print(
        f"{'ratio to the replay:':26} {engine_rate / replay_rate:8.2f}  (aim: 0.5 or better: the"
        " same replies without the engine)"
    )
    engine_ms = (engine_s - replay_s) / updates * 1000
    print(f"{'engine and storage:':26} {engine_ms:8.3f} ms per update on top of PTB")
    print("per update, where the time goes (the timers themselves add a little):")
    for line in breakdown.report(updates, engine_s):
        print(line)
    count, times, model = bench_language()
    print(
        f"{'crisis + suggestion:':26} p50 {percentile(times, 0.5):.1f} ms, "
        f"p95 {percentile(times, 0.95):.1f} ms, worst {times[-1]:.1f} ms per message "
        f"(aim: p95 30 ms; {count} labelled messages, each embedded afresh; "
        f"model {model['model']}, head {model['head']})"
    )
    print(f"{'idle memory of the bot:':26} {idle_memory_mb():8.0f} MB resident (aim: 400 MB)")


if __name__ == "__main__":
    asyncio.run(main())
