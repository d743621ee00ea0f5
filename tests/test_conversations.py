"""The states of active chats kept in memory and written through, never over another
process's change (storage/_conversations.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from bot.engine import Engine
from bot.errors import StaleConversation
from storage import Cipher, ConversationState, Database
from storage._conversations import ConversationCache
from tests.conftest import TEST_KEY, Chat

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def statements_of(engine: Engine, chat: Chat, text: str) -> list[str]:
    seen: list[str] = []
    await engine.db.connection.set_trace_callback(seen.append)
    await chat.say(text)
    await engine.db.connection.set_trace_callback(None)  # type: ignore[arg-type]
    return seen


async def test_a_turn_reads_its_chats_state_from_memory(engine: Engine, chat: Chat) -> None:
    """After the first turn, the chat's state comes from memory: the next turn runs no query
    on the conversations table, and writes the state back once."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    ran = await statements_of(engine, chat, "Ik ben erg eenzaam sinds mijn man is overleden.")
    assert chat.last.startswith("Gaat het over iemand die eenzaam is?")
    assert not [s for s in ran if s.startswith("SELECT") and "conversations" in s]
    assert len([s for s in ran if s.startswith("UPDATE conversations")]) == 1


async def test_a_chat_forgotten_by_another_process_is_not_written_back(
    engine: Engine, chat: Chat
) -> None:
    """Another process removes the chat's state (as ``person forget`` does) while this one
    holds it in memory: the next turn does not bring the old answers back, but starts afresh
    on what the database holds."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik ben erg eenzaam sinds mijn man is overleden.")
    other = sqlite3.connect(engine.db.path)
    other.execute("DELETE FROM conversations WHERE chat_id = ?", (chat.chat_id,))
    other.commit()
    await chat.tap("Ja")  # a button of the question the other process wiped
    assert "eenzaam" not in chat.text
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id, fresh=True)
    assert "answers" not in state.data, "the old answers came back"
    other.close()


async def test_a_change_by_another_process_wins_over_memory(engine: Engine, chat: Chat) -> None:
    """Another process changes the row (its version goes up): this process's stale copy is not
    written over it; the turn runs again on the fresh row."""
    await chat.command("/start")
    other = sqlite3.connect(engine.db.path)
    other.execute(
        "UPDATE conversations SET flow = NULL, step = NULL, version = version + 1"
        " WHERE chat_id = ?",
        (chat.chat_id,),
    )
    other.commit()
    other.close()
    await chat.tap("Over mijzelf")  # the question is gone in the database
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id, fresh=True)
    assert state.flow is None, "the stale copy was written over the other process's change"
    assert state.version == 2


async def test_a_rolled_back_turn_leaves_memory_as_it_was(db: Database) -> None:
    """A state saved in a unit of work that is rolled back is not remembered."""
    async with db.transaction() as tx:
        await tx.conversations.save(ConversationState(7, flow="melding", step="about"), NOW)
    try:
        async with db.transaction() as tx:
            state = await tx.conversations.get(7)
            await tx.write("UPDATE people SET role = role")
            state.step = "what"
            await tx.conversations.save(state, NOW)
            raise RuntimeError("the turn failed")
    except RuntimeError:
        pass
    async with db.transaction() as tx:
        assert (await tx.conversations.get(7)).step == "about"
        assert (await tx.conversations.get(7, fresh=True)).step == "about"


def test_the_cache_keeps_the_most_recently_active_chats() -> None:
    """At most ``size`` chats: the one silent longest goes first."""
    cache = ConversationCache(2)
    stored = object()
    cache.put(1, stored)  # type: ignore[arg-type]
    cache.put(2, stored)  # type: ignore[arg-type]
    cache.get(1)
    cache.put(3, stored)  # type: ignore[arg-type]
    assert (cache.get(1), cache.get(2), cache.get(3)) == (stored, None, stored)
    assert len(cache) == 2


async def test_a_second_database_sees_what_the_first_wrote(tmp_path: object) -> None:
    """Two processes on one file: each reads the other's state once its own copy is stale."""
    path = f"{tmp_path}/two.db"
    first = await Database.open(path, cipher=Cipher([TEST_KEY]))
    second = await Database.open(path, cipher=Cipher([TEST_KEY]))
    try:
        async with first.transaction() as tx:
            await tx.conversations.save(ConversationState(9, flow="melding", step="about"), NOW)
        async with second.transaction() as tx:
            state = await tx.conversations.get(9)
            state.step = "what"
            await tx.conversations.save(state, NOW)
        async with first.transaction() as tx:
            stale = await tx.conversations.get(9)
        assert stale.step == "about", "the first still remembers its own write"
        with pytest.raises(StaleConversation):
            async with first.transaction() as tx:
                stale.step = "where"
                await tx.conversations.save(stale, NOW)
        async with first.transaction() as tx:
            assert (await tx.conversations.get(9)).step == "what"
    finally:
        await first.close()
        await second.close()
