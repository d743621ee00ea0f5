"""A fresh bot process on a large database, for ``python -m bench.scale``: start-up to ready, the
first check-in pass, and the resident memory idle and with many open conversations.

It starts as ``wijksignaal run`` does (bot/cli.py ``_run``: the config, the flows, the
application with its rate limiter, the database, the engine with its sentence model, the jobs,
the recovery of what a crash left) on an offline request instead of the network, as
bench/memory.py does. It prints one line of JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from pathlib import Path

from bench.memory import resident_mb
from bot import assembly
from bot.channels.telegram import (
    attach_services,
    build_application,
    recover_at_start,
    send,
)
from bot.channels.telegram_offline import OfflineChat, OfflineRequest, button_update
from bot.checkins import Checkins
from bot.clock import SystemClock
from bot.config import load_config
from bot.engine import Reply
from bot.i18n import Catalogs, setup
from bot.keys import load_cipher
from storage import Database

CHAT_BASE = 8_000_000_000


async def tap_first(chat: OfflineChat) -> None:
    """Tap the first button of the bot's latest keyboard in ``chat``."""
    markup = chat.request.last_markup.get(chat.chat_id) or {}
    data = str(markup["inline_keyboard"][0][0]["callback_data"])
    await chat.app.process_update(
        button_update(chat.app.bot, chat.next_update_id(), chat.chat_id, data)
    )


async def probe(config_path: Path, db_path: Path, chats: int) -> dict[str, float]:
    began = time.perf_counter()
    setup(Catalogs())
    config = load_config(config_path)
    flows = assembly.flows(Catalogs())
    request = OfflineRequest()
    app = build_application("123456:PROBE", request=request, rate_limit=True)
    db = await Database.open(db_path, cipher=load_cipher(config))
    engine = assembly.build_engine(db, config, SystemClock(), flows)
    attach_services(app, engine)  # as `wijksignaal run` does
    await app.initialize()
    await recover_at_start(app)
    ready = time.perf_counter()
    ready_wall = time.time()

    async def deliver(reply: Reply) -> bool:
        return await send(app.bot, reply, 0)

    started = time.perf_counter()
    sent = await Checkins(config).send_due(engine, deliver)
    first_pass = time.perf_counter() - started

    # One resident in the middle of a report, as bench/memory.py measures idle.
    request.calls.clear()
    gc.collect()
    idle = resident_mb()
    for n in range(chats):
        chat = OfflineChat(app, request, CHAT_BASE + n)
        await chat.send("/start")
        await tap_first(chat)  # who it is about: now the report waits for the description
        request.calls.clear()
    async with db.transaction() as tx:
        (row,) = await tx.read(
            "SELECT count(*) FROM conversations WHERE chat_id >= ? AND flow IS NOT NULL",
            (CHAT_BASE,),
        )
    gc.collect()
    busy = resident_mb()
    await app.shutdown()
    await db.close()
    return {
        "startup_s": ready - began,
        "ready_wall": ready_wall,
        "first_pass_ms": first_pass * 1000,
        "first_pass_sent": sent,
        "idle_mb": idle,
        "busy_mb": busy,
        "open_conversations": int(row[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--chats", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(probe(args.config, args.db, args.chats))))


if __name__ == "__main__":
    main()
