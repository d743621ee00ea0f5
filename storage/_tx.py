"""One turn's unit of work on the database.

A :class:`Tx` opens its SQLite transaction lazily, at the first write, so a turn that only moves
a conversation along costs one read and one single-statement write (atomic by itself) instead
of BEGIN, read, write, COMMIT: every statement is a round trip to aiosqlite's thread. A turn that
writes more (a signal, its consents, its event and the state) gets BEGIN IMMEDIATE at its first
write and one COMMIT at the end. After :meth:`Tx.write_last` nothing more may be written.

Reads before the first write run outside the transaction: that is safe because one process
serves one database (Telegram hands a bot's updates to one poller) and the engine handles one
turn at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import aiosqlite

from storage._conversations import ConversationCache, Conversations
from storage._crypto import Cipher
from storage._inbox import Inbox, ReplyQueue
from storage._members import Members
from storage._offers import SignalOffers
from storage._people import People
from storage._signals import Signals

Params = Sequence[Any]


class Tx:
    """One turn's reads and writes, with the repositories that use it."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        cipher: Cipher,
        conversation_cache: ConversationCache | None = None,
    ) -> None:
        self.conn = conn
        self.cipher = cipher
        self.conversation_cache = (
            conversation_cache if conversation_cache is not None else ConversationCache(0)
        )
        self.begun = False
        self.sealed = False
        self._after_commit: list[Callable[[], None]] = []
        self.people = People(self)
        self.conversations = Conversations(self)
        self.signals = Signals(self)
        self.members = Members(self)
        self.inbox = Inbox(self)
        self.reply_queue = ReplyQueue(self)
        self.offers = SignalOffers(self)

    async def read(self, sql: str, params: Params = ()) -> list[Any]:
        """All rows of a query, in one round trip."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def _begin(self) -> None:
        if self.sealed:
            raise RuntimeError("this unit of work was sealed by write_last()")
        if not self.begun:
            await self.conn.execute("BEGIN IMMEDIATE")
            self.begun = True

    async def write(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """A write inside the turn's transaction (begun now if it was not yet)."""
        await self._begin()
        return await self.conn.execute(sql, params)

    async def write_many(self, sql: str, rows: Iterable[Params]) -> None:
        await self._begin()
        await self.conn.executemany(sql, rows)

    async def write_fetch(self, sql: str, params: Params = ()) -> list[Any]:
        """A write that returns rows (``RETURNING``), inside the transaction."""
        await self._begin()
        return list(await self.conn.execute_fetchall(sql, params))

    async def write_last(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        """The turn's last write: alone it is its own atomic statement, else part of the rest."""
        if self.sealed:
            raise RuntimeError("write_last() was called twice")
        cursor = await self.conn.execute(sql, params)
        self.sealed = True
        return cursor

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this unit of work is committed (never when it is rolled back)."""
        self._after_commit.append(action)

    async def finish(self) -> None:
        if self.begun:
            await self.conn.execute("COMMIT")
        for action in self._after_commit:
            action()

    async def abort(self) -> None:
        if self.begun:
            await self.conn.execute("ROLLBACK")
