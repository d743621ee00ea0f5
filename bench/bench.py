"""Benchmark: complete report conversations through the real ``Application.process_update``
against a bare python-telegram-bot echo handler over the same number of updates.

Run with ``make bench`` (``BENCH_CONVERSATIONS`` sets how many; default 2000). It measures and
prints; it asserts nothing about speed.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest, text_update
from bot.clock import FakeClock
from bot.config import load_config
from bot.engine import Engine, load_flows
from bot.intake import ACTIONS
from storage import Database

ROOT = Path(__file__).resolve().parent.parent


async def one_report(chat: OfflineChat, n: int) -> int:
    """A whole report with consent and a contact choice; the number of updates it took."""
    await chat.send("/start")
    await chat.tap("Over iemand anders")
    await chat.send(f"Mijn buurman nummer {n} komt al weken niet buiten en de post stapelt op.")
    await chat.tap("Eenzaamheid")
    await chat.tap("Nee")
    await chat.tap("Ja")
    await chat.send("1503 AB")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
    sent = await chat.tap("Versturen")
    if "WS-" not in sent[-1]["text"]:
        raise RuntimeError(f"conversation {n} did not end with a reference: {sent[-1]['text']!r}")
    return 11


async def bench_engine(conversations: int, folder: Path) -> tuple[int, float]:
    config = load_config(ROOT / "config" / "example.toml")
    db = await Database.open(folder / "bench.db")
    engine = Engine(
        db,
        config,
        FakeClock(datetime(2026, 11, 23, 9, tzinfo=UTC)),
        load_flows(actions=ACTIONS),
        ACTIONS,
    )
    request = OfflineRequest()
    app = build_application("123456:BENCH", request=request)
    await app.initialize()
    attach_engine(app, engine)
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
    return updates, elapsed


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


async def main() -> None:
    conversations = int(os.environ.get("BENCH_CONVERSATIONS", "2000"))
    with tempfile.TemporaryDirectory() as folder:
        updates, engine_s = await bench_engine(conversations, Path(folder))
    echo_s = await bench_echo(updates)
    engine_rate, echo_rate = updates / engine_s, updates / echo_s
    print(f"conversations:     {conversations} complete reports, {updates} updates")
    print(f"wijksignaal:       {engine_rate:8.0f} updates/s  ({engine_s:.2f} s)")
    print(f"bare PTB echo:     {echo_rate:8.0f} updates/s  ({echo_s:.2f} s)")
    print(f"ratio:             {engine_rate / echo_rate:.2f}  (aim: 0.5 or better)")


if __name__ == "__main__":
    asyncio.run(main())
