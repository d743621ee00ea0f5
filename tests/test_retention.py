"""Retention with a controlled clock, and backups taken while writes go on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine
from bot.retention import purge, purge_by_config
from storage import Cipher, Database, Tx
from tests.conftest import TEST_KEY, Chat
from tests.test_relay import database_bytes
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


async def closed_signals(engine: Engine, count: int) -> list[str]:
    """``count`` reports, each picked up and closed by one member; their references."""
    member = await join(engine, 500, "teamlid", "zaandam-noord", "Anna")
    refs = []
    for n in range(count):
        ref = await report(engine, Chat(engine, 42 + n))
        await claim_and_close(member, ref)
        refs.append(ref)
    return refs


class CountingDatabase:
    """Counts the transactions a purge takes, and what each changed at most."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.transactions = 0
        self.largest = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.db, name)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self.db.transaction() as tx:
            (before,) = await tx.read("SELECT total_changes()")
            yield tx
            (after,) = await tx.read("SELECT total_changes()")
        self.transactions += 1
        self.largest = max(self.largest, after[0] - before[0])


async def test_a_purge_with_a_backlog_works_in_small_transactions(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Seven signals due, batches of three: every one is deleted, across several short
    transactions, none of which deletes more than a batch (three signals with their rows)."""
    refs = await closed_signals(engine, 7)
    clock.advance(timedelta(days=5 * 366))
    counting = CountingDatabase(engine.db)
    result = await purge(
        counting,  # type: ignore[arg-type]
        clock.now(),
        anonymise_after=config.anonymise_after,
        delete_after=config.delete_closed_after,
        conversation_expiry=config.conversation_expiry,
        expired_notice="engine.expired",
        batch=3,
    )
    assert result.deleted == 7
    async with engine.db.transaction() as tx:
        for ref in refs:
            assert await tx.signals.by_ref(ref) is None
    # anonymise 3+3+1, delete 3+3+1, and the rest: at least six transactions for the signals.
    assert counting.transactions >= 6
    # A batch deletes three signals with their events, consents and views; never all seven.
    per_signal = 1 + 3 + 5  # the signal, its consents, its events (made, claimed, closed, ...)
    assert counting.largest < 7 * per_signal


async def test_a_purge_with_nothing_due_changes_no_row(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """After a run, the next one the same night writes its own record and nothing else: rows
    that would not change are not written (no UPDATE that changes nothing)."""
    await closed_signals(engine, 3)
    clock.advance(timedelta(days=400))
    first = await purge_by_config(engine.db, config, clock.now())
    assert first.anonymised == 3
    counting = CountingDatabase(engine.db)
    second = await purge_by_config(counting, config, clock.now())  # type: ignore[arg-type]
    assert (second.anonymised, second.deleted, second.conversations) == (0, 0, 0)
    assert counting.largest == 1, "only the purge_runs row"


async def test_a_deleted_signal_is_gone_from_the_files(
    engine: Engine, config: Config, clock: FakeClock, tmp_path: Path
) -> None:
    """Five years after closing, the signal's encrypted text is in neither the database file
    nor its write-ahead log (deleted content is overwritten; the log is emptied)."""
    (ref,) = await closed_signals(engine, 1)
    async with engine.db.transaction() as tx:
        (row,) = await tx.read("SELECT description FROM signals WHERE ref = ?", (ref,))
    token = row[0].encode()
    assert token in database_bytes(tmp_path)
    clock.advance(timedelta(days=5 * 366))
    assert (await purge_by_config(engine.db, config, clock.now())).deleted == 1
    gone = database_bytes(tmp_path)
    assert token not in gone and ref.encode() not in gone


async def test_ended_conversations_and_set_aside_updates_go_after_a_month(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """A chat that ended its report a month ago leaves no row; one that chose English keeps
    it (its language); an update set aside a month ago is gone, a newer one stays."""
    await report(engine, Chat(engine, 42))
    english = Chat(engine, 43)
    await english.command("/taal")
    await english.tap("English")
    async with engine.db.transaction() as tx:
        await tx.inbox.store([(900, "{}")], clock.now())
        await tx.inbox.set_aside(900, "onleesbaar", "test")
    clock.advance(timedelta(days=31))
    async with engine.db.transaction() as tx:
        await tx.inbox.store([(901, "{}")], clock.now())
        await tx.inbox.set_aside(901, "onleesbaar", "test")
    await purge_by_config(engine.db, config, clock.now())
    async with engine.db.transaction() as tx:
        chats = await tx.read("SELECT chat_id FROM conversations ORDER BY chat_id")
        inbox = await tx.read("SELECT update_id FROM inbox ORDER BY update_id")
    assert chats == [(43,)]
    assert inbox == [(901,)]
