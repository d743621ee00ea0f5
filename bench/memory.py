"""Print the resident memory (MB) of a bot that started as ``wijksignaal run`` does (engine with
its flows, cue lists and sentence model, a python-telegram-bot Application on an offline
request), handled one report, and now waits. Run by ``make bench`` in a fresh process."""

from __future__ import annotations

import asyncio
import gc
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.bench import ROOT, one_report
from bot.assembly import build_engine
from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest
from bot.clock import FakeClock
from bot.config import load_config
from storage import Cipher, Database


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(ROOT / "config" / "example.toml")
        db = await Database.open(Path(folder) / "idle.db", cipher=Cipher([Cipher.generate()]))
        engine = build_engine(db, config, FakeClock(datetime(2026, 11, 23, 9, tzinfo=UTC)))
        request = OfflineRequest()
        app = build_application("123456:IDLE", request=request)
        await app.initialize()
        attach_engine(app, engine)
        await one_report(OfflineChat(app, request, 1), 0)
        gc.collect()
        print(f"{resident_mb():.0f}")
        await app.shutdown()
        await db.close()


if __name__ == "__main__":
    asyncio.run(main())
