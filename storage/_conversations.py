"""Conversation state: where each chat is in which flow, and its answers so far."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage._tx import Tx

from storage._time import from_db_time, to_db_time


@dataclass
class ConversationState:
    """One chat's place in a flow. ``data`` holds the answers; ``ask_id`` the question's number."""

    chat_id: int
    flow: str | None = None
    step: str | None = None
    ask_id: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    notice: str | None = None
    language: str | None = None
    updated_at: datetime | None = None
    last_update_id: int | None = None

    def seen(self, update_id: int) -> bool:
        """Whether this update (or a later one) was handled already: Telegram's ids only grow."""
        return self.last_update_id is not None and update_id <= self.last_update_id


class Conversations:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def get(self, chat_id: int) -> ConversationState:
        rows = await self._tx.read(
            "SELECT flow, step, ask_id, data, notice, language, updated_at, last_update_id"
            " FROM conversations WHERE chat_id = ?",
            (chat_id,),
        )
        if not rows:
            return ConversationState(chat_id)
        row = rows[0]
        return ConversationState(
            chat_id=chat_id,
            flow=row[0],
            step=row[1],
            ask_id=row[2],
            data=json.loads(self._tx.cipher.decrypt(row[3]) or "{}"),
            notice=row[4],
            language=row[5],
            updated_at=from_db_time(row[6]),
            last_update_id=row[7],
        )

    async def save(self, state: ConversationState, now: datetime) -> None:
        """Write ``state`` as the turn's last write (see :meth:`Tx.write_last`)."""
        state.updated_at = now
        await self._tx.write_last(
            "INSERT INTO conversations"
            " (chat_id, flow, step, ask_id, data, notice, language, updated_at, last_update_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " ask_id = excluded.ask_id, data = excluded.data, notice = excluded.notice,"
            " language = excluded.language, updated_at = excluded.updated_at,"
            " last_update_id = excluded.last_update_id",
            (
                state.chat_id,
                state.flow,
                state.step,
                state.ask_id,
                self._tx.cipher.encrypt(json.dumps(state.data, ensure_ascii=False)),
                state.notice,
                state.language,
                to_db_time(now),
                state.last_update_id,
            ),
        )

    async def delete(self, chat_id: int) -> None:
        """Remove the chat's state: the turn's last write, like :meth:`save`."""
        await self._tx.write_last("DELETE FROM conversations WHERE chat_id = ?", (chat_id,))

    async def expire_before(self, moment: datetime, notice: str, *, limit: int) -> int:
        """Wipe the answers of up to ``limit`` unfinished flows silent since before ``moment``;
        how many. The row stays, empty but for ``notice``, so the next message can say what
        happened."""
        cursor = await self._tx.write(
            "UPDATE conversations SET flow = NULL, step = NULL, data = ?, notice = ?"
            " WHERE chat_id IN (SELECT chat_id FROM conversations"
            " WHERE flow IS NOT NULL AND updated_at < ? LIMIT ?)",
            (self._tx.cipher.encrypt("{}"), notice, to_db_time(moment), limit),
        )
        return cursor.rowcount

    async def remove_ended(self, moment: datetime, *, limit: int) -> int:
        """Remove up to ``limit`` rows of chats with no flow and nothing to tell, silent since
        before ``moment``, that chose no language other than Dutch; how many."""
        cursor = await self._tx.write(
            "DELETE FROM conversations WHERE chat_id IN (SELECT chat_id FROM conversations"
            " WHERE flow IS NULL AND updated_at < ? AND notice IS NULL"
            " AND (language IS NULL OR language = 'nl') LIMIT ?)",
            (to_db_time(moment), limit),
        )
        return cursor.rowcount
