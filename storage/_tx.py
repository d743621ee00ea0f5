"""One turn's unit of work on the database.

Every statement is a round trip to aiosqlite's thread, and a round trip costs more than most
statements themselves. So a :class:`Tx` keeps the writes whose results the turn does not need at
once (marking the update handled, queueing the replies, saving the conversation state) as
:class:`Deferred` statements and sends them together: at the next read or immediate write, or at
the end, where they travel with the COMMIT in one round trip. A turn that only moves a
conversation along costs one round trip for its writes.

The SQLite transaction is opened lazily, at the first write (``BEGIN IMMEDIATE``); a batch of
one statement with nothing begun runs alone, atomic by itself. Reads before the first write run
outside the transaction. One process handles a chat's turns in order; a chat's state is written
only over the version it was read at (storage/_conversations.py), so a turn that raced another
process over the state is rolled back and run again. Other rows a turn read before its first
write (a signal, a person) are not guarded that way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass
class Deferred:
    """A write sent later with others; its rows (when ``fetch``) and row count once sent.
    ``check`` runs right after the statement, on the database's thread: raising there stops
    the batch, and the unit of work is rolled back."""

    sql: str
    params: Params = ()
    fetch: bool = False
    check: Callable[[Deferred], None] | None = None
    rows: list[Any] = field(default_factory=list)
    rowcount: int = -1
    sent: bool = False


async def on_thread(conn: aiosqlite.Connection, function: Callable[..., Any], *args: Any) -> Any:
    """``function(sqlite3_connection, *args)`` on aiosqlite's thread, in one round trip.

    aiosqlite queues every call for its thread through ``Connection._execute``; it has no
    public way to send several statements in one call, so this is the one place that uses it
    (tests/test_storage.py fails first if a new aiosqlite changes it)."""
    return await conn._execute(function, conn._conn, *args)  # type: ignore[no-untyped-call]


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _run_batch(conn: sqlite3.Connection, batch: list[Deferred], begin: bool, commit: bool) -> None:
    """On aiosqlite's thread: the statements in order, opened and closed as asked."""
    if begin:
        conn.execute("BEGIN IMMEDIATE")
    for statement in batch:
        cursor = conn.execute(statement.sql, statement.params)
        statement.rows = cursor.fetchall() if statement.fetch else []
        statement.rowcount = cursor.rowcount
        statement.sent = True
        if statement.check is not None:
            statement.check(statement)
    if commit:
        conn.execute("COMMIT")


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
        self._deferred: list[Deferred] = []
        self._after_commit: list[Callable[[], None]] = []
        self._after_abort: list[Callable[[], None]] = []
        self.people = People(self)
        self.conversations = Conversations(self)
        self.signals = Signals(self)
        self.members = Members(self)
        self.inbox = Inbox(self)
        self.reply_queue = ReplyQueue(self)
        self.offers = SignalOffers(self)

    async def read(self, sql: str, params: Params = ()) -> list[Any]:
        """All rows of a query, in one round trip (after the writes waiting to be sent)."""
        await self.flush()
        return list(await self.conn.execute_fetchall(sql, params))

    async def _begin(self) -> None:
        await self.flush()
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

    def defer(
        self,
        sql: str,
        params: Params = (),
        *,
        fetch: bool = False,
        check: Callable[[Deferred], None] | None = None,
    ) -> Deferred:
        """A write sent with the next batch (see the module's docstring); read its result
        after the unit of work, or after :meth:`flush`."""
        statement = Deferred(sql, params, fetch, check)
        self._deferred.append(statement)
        return statement

    async def flush(self, *, commit: bool = False) -> None:
        """Send the deferred writes in one round trip, opening the transaction when they are
        more than one statement; with ``commit``, close it in the same trip."""
        batch, self._deferred = self._deferred, []
        if not batch and not (commit and self.begun):
            return
        begin = not self.begun and (len(batch) > 1 or not commit)
        if begin:
            self.begun = True
        close = commit and self.begun
        await on_thread(self.conn, _run_batch, batch, begin, close)
        if close:
            self.begun = False

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this unit of work is committed (never when it is rolled back)."""
        self._after_commit.append(action)

    def after_abort(self, action: Callable[[], None]) -> None:
        """Run ``action`` when this unit of work is rolled back."""
        self._after_abort.append(action)

    async def finish(self) -> None:
        await self.flush(commit=True)
        for action in self._after_commit:
            action()

    async def abort(self) -> None:
        self._deferred = []
        if self.begun or self.conn.in_transaction:
            # Asked on aiosqlite's thread, in order: a batch still waiting there (a cancelled
            # turn) has opened its transaction by then, and is rolled back too.
            await on_thread(self.conn, _rollback)
        self.begun = False
        for action in self._after_abort:
            action()
