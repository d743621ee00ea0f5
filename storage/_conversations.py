"""Conversation state: where each chat is in which flow, and its answers so far.

The states of active chats are kept in memory (:class:`ConversationCache`, one per database)
and written through: a turn reads its chat's state from memory, without a round trip to the
database or a decryption, and writes it back in its transaction. Every row carries a version
that each write raises; the write-back only succeeds on the version this process last saw, so a
change by another process (``person forget``, a sweep) is never overwritten: the save raises
:class:`~bot.errors.StaleConversation`, the entry is dropped, and the turn runs again on a fresh
read.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage._tx import Deferred, Tx

from bot.errors import StaleConversation
from storage._time import from_db_time, to_db_time

CACHE_SIZE = 5000  # chats whose state is kept in memory, the most recently active


@dataclass
class ConversationState:
    """One chat's place in a flow. ``data`` holds the answers; ``ask_id`` the question's number.
    ``version`` is the stored row's (``None``: no row yet)."""

    chat_id: int
    flow: str | None = None
    step: str | None = None
    ask_id: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    notice: str | None = None
    language: str | None = None
    updated_at: datetime | None = None
    last_update_id: int | None = None
    version: int | None = None

    def seen(self, update_id: int) -> bool:
        """Whether this update (or a later one) was handled already: Telegram's ids only grow."""
        return self.last_update_id is not None and update_id <= self.last_update_id


@dataclass(frozen=True)
class _Stored:
    """A row as this process last read or wrote it; ``data`` as JSON text, decrypted."""

    flow: str | None
    step: str | None
    ask_id: int
    data: str
    notice: str | None
    language: str | None
    updated_at: datetime | None
    last_update_id: int | None
    version: int

    def state(self, chat_id: int) -> ConversationState:
        return ConversationState(
            chat_id=chat_id,
            flow=self.flow,
            step=self.step,
            ask_id=self.ask_id,
            data=json.loads(self.data),
            notice=self.notice,
            language=self.language,
            updated_at=self.updated_at,
            last_update_id=self.last_update_id,
            version=self.version,
        )


class ConversationCache:
    """The last known rows of the most recently active chats (at most ``size``)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._rows: OrderedDict[int, _Stored] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, chat_id: int) -> _Stored | None:
        row = self._rows.get(chat_id)
        if row is not None:
            self._rows.move_to_end(chat_id)
        return row

    def put(self, chat_id: int, row: _Stored) -> None:
        self._rows[chat_id] = row
        self._rows.move_to_end(chat_id)
        while len(self._rows) > self.size:
            self._rows.popitem(last=False)

    def drop(self, chat_ids: list[int]) -> None:
        for chat_id in chat_ids:
            self._rows.pop(chat_id, None)


class Conversations:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._cache = tx.conversation_cache

    async def get(self, chat_id: int, *, fresh: bool = False) -> ConversationState:
        """The chat's state: from memory when this process knows it, else from the database
        (``fresh``: always from the database)."""
        cached = None if fresh else self._cache.get(chat_id)
        if cached is not None:
            return cached.state(chat_id)
        rows = await self._tx.read(
            "SELECT flow, step, ask_id, data, notice, language, updated_at, last_update_id,"
            " version FROM conversations WHERE chat_id = ?",
            (chat_id,),
        )
        if not rows:
            self._cache.drop([chat_id])
            return ConversationState(chat_id)
        row = rows[0]
        stored = _Stored(
            flow=row[0],
            step=row[1],
            ask_id=row[2],
            data=self._tx.cipher.decrypt(row[3]) or "{}",
            notice=row[4],
            language=row[5],
            updated_at=from_db_time(row[6]),
            last_update_id=row[7],
            version=row[8],
        )
        self._cache.put(chat_id, stored)
        return stored.state(chat_id)

    async def save(self, state: ConversationState, now: datetime) -> None:
        """Write ``state`` with the turn's last batch (see :meth:`Tx.defer`), only over the
        version it was read at; else the unit of work fails with :class:`StaleConversation`."""
        state.updated_at = now
        data = json.dumps(state.data, ensure_ascii=False)
        values = (
            state.flow,
            state.step,
            state.ask_id,
            self._tx.cipher.encrypt(data),
            state.notice,
            state.language,
            to_db_time(now),
            state.last_update_id,
        )
        chat_id = state.chat_id

        def one_row(statement: Deferred) -> None:
            if statement.rowcount != 1:
                raise StaleConversation(f"conversation {chat_id} changed under this turn")

        if state.version is None:
            self._tx.defer(
                "INSERT INTO conversations (flow, step, ask_id, data, notice, language,"
                " updated_at, last_update_id, chat_id, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, 0) ON CONFLICT (chat_id) DO NOTHING",
                (*values, chat_id),
                check=one_row,
            )
        else:
            self._tx.defer(
                "UPDATE conversations SET flow = ?, step = ?, ask_id = ?, data = ?, notice = ?,"
                " language = ?, updated_at = ?, last_update_id = ?, version = version + 1"
                " WHERE chat_id = ? AND version = ?",
                (*values, chat_id, state.version),
                check=one_row,
            )
        version = 0 if state.version is None else state.version + 1
        stored = _Stored(
            state.flow,
            state.step,
            state.ask_id,
            data,
            state.notice,
            state.language,
            now,
            state.last_update_id,
            version,
        )
        self._tx.after_commit(lambda: self._cache.put(chat_id, stored))
        # A turn rolled back (a stale state among the reasons) reads the row afresh next time.
        self._tx.after_abort(lambda: self._cache.drop([chat_id]))

    async def delete(self, chat_id: int) -> None:
        """Remove the chat's state, with the turn's last batch like :meth:`save`."""
        self._cache.drop([chat_id])
        self._tx.defer("DELETE FROM conversations WHERE chat_id = ?", (chat_id,))

    async def expire_before(self, moment: datetime, notice: str, *, limit: int) -> int:
        """Wipe the answers of up to ``limit`` unfinished flows silent since before ``moment``;
        how many. The row stays, empty but for ``notice``, so the next message can say what
        happened."""
        rows = await self._tx.write_fetch(
            "UPDATE conversations SET flow = NULL, step = NULL, data = ?, notice = ?,"
            " version = version + 1 WHERE chat_id IN (SELECT chat_id FROM conversations"
            " WHERE flow IS NOT NULL AND updated_at < ? LIMIT ?) RETURNING chat_id",
            (self._tx.cipher.encrypt("{}"), notice, to_db_time(moment), limit),
        )
        self._cache.drop([r[0] for r in rows])
        return len(rows)

    async def remove_ended(self, moment: datetime, *, limit: int) -> int:
        """Remove up to ``limit`` rows of chats with no flow and nothing to tell, silent since
        before ``moment``, that chose no language other than Dutch; how many."""
        rows = await self._tx.write_fetch(
            "DELETE FROM conversations WHERE chat_id IN (SELECT chat_id FROM conversations"
            " WHERE flow IS NULL AND updated_at < ? AND notice IS NULL"
            " AND (language IS NULL OR language = 'nl') LIMIT ?) RETURNING chat_id",
            (to_db_time(moment), limit),
        )
        self._cache.drop([r[0] for r in rows])
        return len(rows)
