"""Measurement: fifty residents report at once, with chats in parallel and one update at a time.

Each resident goes through a whole report (``one_report`` of bench/bench.py, 11 updates), sending
the next update as soon as the bot answered the previous one. The updates go through the real
``Application``: its update queue, its update processor and the handlers, with the rate limiter
the bot runs with. The offline request imitates Telegram's limits: a message is taken in the
first free slot of 1/30 s (thirty a second in all) that is at least a second after the chat's
previous message. The wait of an update runs from putting it on the queue to the bot's last
answer to it.

Last, the same messages are scheduled with no time spent in the bot at all: what Telegram's
limits alone would give. Run with ``python -m bench.concurrent`` (``BENCH_RESIDENTS`` sets how
many; default 50). It measures and prints; it asserts nothing about speed.
"""

from __future__ import annotations

import asyncio
import heapq
import math
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bench.bench import one_report, percentile
from bot.assembly import build_engine
from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest
from bot.clock import FakeClock
from bot.config import load_config
from bot.language import Language
from storage import Cipher, Database

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ("sendMessage", "sendPhoto", "sendDocument")  # what Telegram's limits count
OVERALL_PER_SECOND = 30
CHAT_GAP = 1.0  # seconds between two messages to one chat


class TelegramLimits:
    """When Telegram takes each message: slots of 1/30 s, one message each, and at least a
    second between two messages to one chat. A message gets the first free slot its chat
    allows, in the order the messages come."""

    def __init__(self) -> None:
        self._taken: set[int] = set()
        self._chat_free: dict[int, float] = {}

    def reserve(self, chat_id: int, at: float) -> float:
        """The moment a message to ``chat_id`` offered at ``at`` is taken."""
        earliest = max(at, self._chat_free.get(chat_id, at))
        slot = math.ceil(earliest * OVERALL_PER_SECOND - 1e-9)
        while slot in self._taken:
            slot += 1
        self._taken.add(slot)
        when = slot / OVERALL_PER_SECOND
        self._chat_free[chat_id] = when + CHAT_GAP
        return when


@dataclass
class LimitedRequest(OfflineRequest):
    """The offline request, each message answered only at the moment Telegram would take it."""

    limits: TelegramLimits = field(default_factory=TelegramLimits)

    async def before_call(self, api_method: str, params: dict[str, Any]) -> None:
        if api_method in MESSAGES:
            now = time.monotonic()
            chat_id = int(str(params["chat_id"]))
            await asyncio.sleep(self.limits.reserve(chat_id, now) - now)


class QueuedChat(OfflineChat):
    """A resident whose updates go through the Application's update queue, as polled ones do.
    Keeps each update's wait and how many messages answered it."""

    def __init__(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        request: OfflineRequest,
        chat_id: int,
        done: dict[int, asyncio.Future[None]],
    ) -> None:
        super().__init__(app, request, chat_id)
        self.done = done
        self.waits: list[float] = []
        self.messages: list[int] = []

    async def _process(self, update: Update) -> list[dict[str, Any]]:
        before = len(self.request.calls)
        answered = asyncio.get_running_loop().create_future()
        self.done[update.update_id] = answered
        start = time.monotonic()
        self.app.update_queue.put_nowait(update)
        await answered
        self.waits.append(time.monotonic() - start)
        mine = [
            c
            for c in self.request.calls[before:]
            if c.method in MESSAGES and c.params.get("chat_id") == self.chat_id
        ]
        self.messages.append(len(mine))
        return [c.params for c in mine if c.method == "sendMessage"]


@dataclass
class Run:
    waits: list[float]
    messages: dict[int, list[int]]  # per chat, the messages that answered each update
    seconds: float


async def run(residents: int, concurrent: bool, language: Language, folder: Path) -> Run:
    """Every resident reports at once; the waits of all their updates."""
    config = load_config(ROOT / "config" / "example.toml")
    db = await Database.open(folder / f"bench-{concurrent}.db", cipher=Cipher([Cipher.generate()]))
    engine = build_engine(
        db, config, FakeClock(datetime(2026, 11, 23, 9, tzinfo=UTC)), language=language
    )
    request = LimitedRequest()
    app = build_application("123456:BENCH", request=request, rate_limit=True, concurrent=concurrent)
    await app.initialize()
    attach_engine(app, engine)
    done: dict[int, asyncio.Future[None]] = {}
    original = app.process_update

    async def process_update(update: object) -> None:
        try:
            await original(update)
        finally:
            if isinstance(update, Update) and update.update_id in done:
                done.pop(update.update_id).set_result(None)

    app.process_update = process_update  # type: ignore[method-assign]
    chats = [QueuedChat(app, request, 20_000 + n, done) for n in range(residents)]
    await app.start()
    start = time.monotonic()
    await asyncio.gather(*(one_report(chat, n) for n, chat in enumerate(chats)))
    seconds = time.monotonic() - start
    await app.stop()
    await app.shutdown()
    async with db.transaction() as tx:
        stored = len(await tx.signals.all())
    await db.close()
    if stored != residents:
        raise RuntimeError(f"{stored} signals stored for {residents} residents")
    return Run([w for c in chats for w in c.waits], {c.chat_id: c.messages for c in chats}, seconds)


def limits_alone(messages: dict[int, list[int]]) -> Run:
    """The same conversations with no time spent in the bot: each update is answered by its
    messages as soon as Telegram's limits allow, and the resident sends the next one at once."""
    limits = TelegramLimits()
    waits: list[float] = []
    arrivals = [(0.0, chat_id, 0) for chat_id in messages]
    heapq.heapify(arrivals)
    end = 0.0
    while arrivals:
        at, chat_id, step = heapq.heappop(arrivals)
        answered = at
        for _ in range(messages[chat_id][step]):
            answered = limits.reserve(chat_id, at)
        waits.append(answered - at)
        end = max(end, answered)
        if step + 1 < len(messages[chat_id]):
            heapq.heappush(arrivals, (answered, chat_id, step + 1))
    return Run(waits, messages, end)


def line(name: str, result: Run) -> str:
    waits = sorted(result.waits)
    return (
        f"{name + ':':26} median {statistics.median(waits):5.2f} s   "
        f"p95 {percentile(waits, 0.95):5.2f} s   worst {waits[-1]:5.2f} s   "
        f"(all done after {result.seconds:5.1f} s)"
    )


async def main() -> None:
    residents = int(os.environ.get("BENCH_RESIDENTS", "50"))
    language = Language.load()
    with tempfile.TemporaryDirectory() as folder:
        parallel = await run(residents, True, language, Path(folder))
        one_by_one = await run(residents, False, language, Path(folder))
    language.close()
    alone = limits_alone(parallel.messages)
    updates = len(parallel.waits)
    sent = sum(sum(m) for m in parallel.messages.values())
    print(
        f"{residents} residents report at once: {updates} updates, {sent} messages; Telegram "
        f"imitated at {OVERALL_PER_SECOND} messages/s in all and one per {CHAT_GAP:g} s per chat"
    )
    print("wait from a resident's update to the bot's last answer to it:")
    print(line("chats in parallel", parallel))
    print(line("one update at a time", one_by_one))
    print(line("Telegram's limits alone", alone))


if __name__ == "__main__":
    asyncio.run(main())
