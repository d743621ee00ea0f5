"""The data layer: migrations, pragmas, references, consents, and transactions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.errors import StaleConversation, StorageError
from storage import Cipher, ConsentAnswer, ConversationState, Database, NewSignal, migrations
from tests.conftest import TEST_KEY

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def new_signal(**changes: object) -> NewSignal:
    fields: dict[str, object] = dict(
        created_at=NOW,
        category="eenzaamheid",
        team="t",
        about="zelf",
        description="alleen",
        postcode="1503AB",
        postcode4="1503",
        anonymous=False,
        source="bewoner",
        reporter_id=None,
        subject_knows=None,
        contact_method="chat",
        contact_phone=None,
        deadline=date(2026, 11, 26),
        route_reason="r",
        language="nl",
        consents=(
            ConsentAnswer("melden", "v1", True, NOW),
            ConsentAnswer("contact", "v2", False, NOW),
        ),
    )
    fields.update(changes)
    return NewSignal(**fields)  # type: ignore[arg-type]


async def test_migrations_set_the_schema_version_once(tmp_path: Path) -> None:
    """Opening twice applies nothing twice; the version is the newest migration's number."""
    db = await Database.open(tmp_path / "m.db", cipher=Cipher([TEST_KEY]))
    newest = migrations()[-1][0]
    assert await db.schema_version() == newest
    await db.close()
    db = await Database.open(tmp_path / "m.db", cipher=Cipher([TEST_KEY]))
    assert await db.schema_version() == newest
    await db.close()


async def test_migration_8_keeps_members_invites_and_views(tmp_path: Path) -> None:
    """A database of schema 7 with a council member, a team member, a used invite and a view
    keeps them all through migration 8: the council member's team becomes an adopted team."""
    path = tmp_path / "v7.db"
    conn = sqlite3.connect(path)
    for number, file in migrations():
        if number <= 7:
            conn.executescript(file.read_text(encoding="utf-8"))
    conn.executescript(
        "PRAGMA user_version = 7;"
        "INSERT INTO people (id, telegram_id, role, created_at) VALUES"
        " (1, 510, 'raadslid', 'x'), (2, 500, 'teamlid', 'x');"
        "INSERT INTO memberships VALUES (1, 'oost'), (2, 'noord');"
        "INSERT INTO invites VALUES ('c', 'teamlid', 'noord', 'x', 'y', 'z', 2);"
        "INSERT INTO signals (id, ref, created_at, category, team, about, description,"
        " anonymous, source, deadline, route_reason, language, claimed_by)"
        " VALUES (1, 'WS-1', 'x', 'eenzaamheid', 'noord', 'zelf', 'd', 0, 'bewoner', 'x', 'r',"
        " 'nl', 2);"
        "INSERT INTO signal_views VALUES (1, 1, 2, 'x');"
    )
    conn.close()
    db = await Database.open(path, cipher=Cipher([TEST_KEY]))
    async with db.transaction() as tx:
        council = await tx.members.get(510)
        member = await tx.members.get(500)
        assert await tx.read("SELECT used_by FROM invites") == [(2,)]
        assert await tx.read("SELECT person_id FROM signal_views") == [(2,)]
        assert await tx.read("PRAGMA foreign_key_check") == []
    await db.close()
    assert council is not None and council.adopted == {"oost"} and not council.teams
    assert member is not None and member.teams == {"noord"} and not member.adopted


async def test_wal_and_foreign_keys_are_on(db: Database) -> None:
    async with db.transaction() as tx:
        mode = await (await tx.conn.execute("PRAGMA journal_mode")).fetchone()
        fks = await (await tx.conn.execute("PRAGMA foreign_keys")).fetchone()
    assert mode is not None and mode[0] == "wal"
    assert fks is not None and fks[0] == 1


async def test_a_signal_is_stored_with_its_consents_and_first_event(db: Database) -> None:
    async with db.transaction() as tx:
        ref = await tx.signals.next_reference("WS", 2026)
        signal_id = await tx.signals.create(new_signal(), ref, actor="bewoner")
    async with db.transaction() as tx:
        stored = await tx.signals.by_ref(ref)
        events = await tx.signals.events(signal_id)
    assert stored is not None and stored.created_at == NOW and stored.created_at.tzinfo is not None
    assert [(c.purpose, c.given, c.text_version) for c in stored.consents] == [
        ("melden", True, "v1"),
        ("contact", False, "v2"),
    ]
    assert [(e.kind, e.actor, e.to_status) for e in events] == [("aangemaakt", "bewoner", "nieuw")]


async def test_references_count_per_year(db: Database) -> None:
    async with db.transaction() as tx:
        refs = [await tx.signals.next_reference("WS", y) for y in (2026, 2026, 2027)]
    assert refs == ["WS-2026-00001", "WS-2026-00002", "WS-2027-00001"]


async def test_the_schema_refuses_unknown_statuses_and_sources(db: Database) -> None:
    with pytest.raises(Exception, match="CHECK"):
        async with db.transaction() as tx:
            await tx.signals.create(new_signal(source="buurman"), "WS-2026-00009", actor="x")


async def test_a_failed_turn_leaves_nothing(db: Database) -> None:
    """Writes before an exception are rolled back, the reference counter included."""
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.signals.next_reference("WS", 2026)
            raise RuntimeError("crash mid-turn")
    async with db.transaction() as tx:
        assert await tx.read("SELECT * FROM reference_counters") == []


async def test_the_state_write_commits_with_the_domain_writes(db: Database) -> None:
    """A turn with domain writes: they and the state are one transaction."""
    async with db.transaction() as tx:
        await tx.signals.next_reference("WS", 2026)
        assert tx.begun
        await tx.conversations.save(ConversationState(9, flow="melding", step="about"), NOW)
        assert tx.conn.in_transaction, "the state write joined the open transaction"
    async with db.transaction() as tx:
        assert (await tx.conversations.get(9)).step == "about"
        assert not tx.begun, "reads alone open no transaction"


async def test_writes_after_the_state_join_its_transaction(db: Database) -> None:
    """The state is sent with the turn's last batch, so a write after it is still part of the
    one transaction: committed together, or rolled back together."""
    async with db.transaction() as tx:
        await tx.conversations.save(ConversationState(9, flow="melding", step="about"), NOW)
        await tx.signals.next_reference("WS", 2026)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.conversations.save(ConversationState(8, flow="melding"), NOW)
            await tx.signals.next_reference("WS", 2026)
            raise RuntimeError("crash after the state")
    async with db.transaction() as tx:
        assert (await tx.conversations.get(9, fresh=True)).step == "about"
        assert (await tx.conversations.get(8, fresh=True)).flow is None, "rolled back"
        assert await tx.read("SELECT last FROM reference_counters") == [(1,)]


def count_round_trips(db: Database) -> list[str]:
    """Every call to aiosqlite's thread from now on, by the name of what it ran."""
    trips: list[str] = []
    conn: Any = db.connection
    execute = conn._execute

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(getattr(function, "__name__", "?"))
        return await execute(function, *args, **kwargs)

    conn._execute = counted
    return trips


async def test_a_turn_that_moves_a_conversation_along_is_one_round_trip(db: Database) -> None:
    """Marking the update handled, queueing the replies and saving the state travel with the
    COMMIT in one call to aiosqlite's thread; the queue ids are known after it."""
    async with db.transaction() as tx:
        await tx.inbox.store([(41, "{}")], NOW)
        await tx.conversations.save(ConversationState(9, flow="melding", step="about"), NOW)
    async with db.transaction() as tx:
        state = await tx.conversations.get(9)  # from the cache: no round trip
    trips = count_round_trips(db)
    async with db.transaction() as tx:
        await tx.inbox.done(41)
        queued = tx.reply_queue.add_later([(9, '{"text": "a"}'), (9, '{"text": "b"}')], NOW)
        state.step = "what"
        await tx.conversations.save(state, NOW)
        assert trips == [], "nothing was sent before the end of the unit of work"
    assert trips == ["_run_batch"]
    first, second = queued.ids()
    assert second == first + 1
    async with db.transaction() as tx:
        assert await tx.read("SELECT update_id FROM inbox") == []
        assert (await tx.conversations.get(9, fresh=True)).step == "what"
        assert len(await tx.reply_queue.pending(datetime(2027, 1, 1, tzinfo=UTC))) == 2


async def test_a_stale_state_rolls_back_the_whole_batch(db: Database) -> None:
    """A state saved over a version that changed meanwhile fails the unit of work, and the
    writes sent in the same batch before it (the inbox, the queue) are undone with it."""
    async with db.transaction() as tx:
        await tx.inbox.store([(42, "{}")], NOW)
        await tx.conversations.save(ConversationState(9, flow="melding", step="about"), NOW)
    async with db.transaction() as tx:
        stale = await tx.conversations.get(9)
    async with db.transaction() as tx:
        await tx.write("UPDATE conversations SET version = version + 1 WHERE chat_id = 9")
    with pytest.raises(StaleConversation):
        async with db.transaction() as tx:
            await tx.inbox.done(42)
            tx.reply_queue.add_later([(9, "{}")], NOW)
            stale.step = "where"
            await tx.conversations.save(stale, NOW)
    async with db.transaction() as tx:
        assert await tx.read("SELECT update_id FROM inbox") == [(42,)]
        assert await tx.read("SELECT id FROM reply_queue") == []
        assert (await tx.conversations.get(9)).step == "about", "read afresh, not the cache"
        assert not tx.conn.in_transaction


async def test_a_read_sees_the_writes_deferred_before_it(db: Database) -> None:
    """Deferred writes go out before the next read, so a turn reads its own writes."""
    async with db.transaction() as tx:
        await tx.conversations.save(ConversationState(7, flow="melding", step="about"), NOW)
        rows = await tx.read("SELECT step FROM conversations WHERE chat_id = 7")
        assert rows == [("about",)]
        assert tx.conn.in_transaction, "the batch opened the transaction for what follows"


async def test_conversation_state_round_trips(db: Database) -> None:
    state = ConversationState(3, "melding", "what", 4, {"answers": {"about": "zelf"}}, None, "en")
    async with db.transaction() as tx:
        await tx.conversations.save(state, NOW)
    async with db.transaction() as tx:
        loaded = await tx.conversations.get(3)
    assert (loaded.flow, loaded.step, loaded.ask_id, loaded.data, loaded.language) == (
        "melding",
        "what",
        4,
        {"answers": {"about": "zelf"}},
        "en",
    )
    assert loaded.updated_at == NOW


async def test_an_unopenable_database_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        await Database.open(blocker / "db.sqlite", cipher=Cipher([TEST_KEY]))


async def test_a_turn_cancelled_while_its_batch_waits_leaves_no_transaction_open(
    db: Database,
) -> None:
    """A turn cancelled while its batch still waits for aiosqlite's thread: the batch runs
    later and opens its transaction; the rollback, queued after it, closes it again, so the
    next unit of work commits for real."""
    import asyncio
    import time

    from storage._tx import on_thread

    conn = db.connection
    busy = asyncio.ensure_future(on_thread(conn, lambda _c: time.sleep(0.2)))
    reached = asyncio.Event()

    async def turn() -> None:
        async with db.transaction() as tx:
            await tx.conversations.save(ConversationState(5, flow="melding"), NOW)
            reached.set()
            await tx.read("SELECT 1")  # sends the batch, which waits behind the sleep

    task = asyncio.ensure_future(turn())
    await reached.wait()
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await busy
    await on_thread(conn, lambda _c: None)  # everything queued before has run
    assert not conn.in_transaction
    async with db.transaction() as tx:
        await tx.signals.next_reference("WS", 2026)
    async with db.transaction() as tx:
        assert await tx.read("SELECT last FROM reference_counters") == [(1,)]
        assert (await tx.conversations.get(5, fresh=True)).flow is None
