"""Retention with a controlled clock, and backups taken while writes go on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine
from bot.retention import purge_by_config
from storage import Cipher, Database
from tests.conftest import TEST_KEY, Chat
from tests.test_team import claim_and_close, join, report


async def test_contact_details_go_after_a_year_and_signals_after_five(
    engine: Engine, config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    await join(engine, 500, "teamlid", "zaandam-noord", "Anna")
    ref = await report(engine, Chat(engine, 42))
    kept = await report(engine, Chat(engine, 43))  # stays open: never purged
    await claim_and_close(Chat(engine, 500), ref)
    db = engine.db

    clock.advance(timedelta(days=364))
    result = await purge_by_config(db, config, clock.now())
    assert (result.anonymised, result.deleted) == (0, 0)

    clock.advance(timedelta(days=2))
    result = await purge_by_config(db, config, clock.now())
    assert (result.anonymised, result.deleted) == (1, 0)
    async with db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        assert (signal.contact_method, signal.reporter_id, signal.postcode) == (None, None, None)
        assert signal.postcode4 == "1503" and signal.description, "the case itself stays"

    clock.advance(timedelta(days=1825 - 366 + 1))
    result = await purge_by_config(db, config, clock.now())
    assert (result.anonymised, result.deleted) == (0, 1)
    async with db.transaction() as tx:
        assert await tx.signals.by_ref(ref) is None
        assert await tx.signals.by_ref(kept) is not None
        rows = await tx.read(
            "SELECT count(*) FROM signal_events WHERE signal_id NOT IN (SELECT id FROM signals)"
        )
        runs = await tx.read("SELECT anonymised, deleted FROM purge_runs ORDER BY id")
    assert rows == [(0,)]
    assert runs == [(0, 0), (1, 0), (0, 1)]


async def test_a_backup_taken_while_writing_restores(
    engine: Engine, tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """Reports keep coming while the backup runs; the copy opens with the key, whole."""
    for n in range(3):
        await report(engine, Chat(engine, 100 + n))

    async def keep_writing() -> None:
        for n in range(10):
            await report(engine, Chat(engine, 200 + n))

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0)
    out = tmp_path / "backup" / "copy.db"
    out.parent.mkdir()  # a backup never makes folders: the command line refuses a missing one
    await engine.db.backup(out)
    await writer
    restored = await Database.open(out, cipher=Cipher([TEST_KEY]))
    async with restored.transaction() as tx:
        ok = await tx.read("PRAGMA integrity_check")
        signals = await tx.signals.all()
    await restored.close()
    assert ok == [("ok",)]
    assert len(signals) >= 3 and all(s.description for s in signals)
