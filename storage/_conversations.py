"""Conversation state: where each chat is in which flow, and its answers so far."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiosqlite

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


class Conversations:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def get(self, chat_id: int) -> ConversationState:
        async with self._conn.execute(
            "SELECT flow, step, ask_id, data, notice, language, updated_at"
            " FROM conversations WHERE chat_id = ?",
            (chat_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return ConversationState(chat_id)
        return ConversationState(
            chat_id=chat_id,
            flow=row[0],
            step=row[1],
            ask_id=row[2],
            data=json.loads(row[3]),
            notice=row[4],
            language=row[5],
            updated_at=from_db_time(row[6]),
        )

    async def save(self, state: ConversationState, now: datetime) -> None:
        state.updated_at = now
        await self._conn.execute(
            "INSERT INTO conversations"
            " (chat_id, flow, step, ask_id, data, notice, language, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET flow = excluded.flow, step = excluded.step,"
            " ask_id = excluded.ask_id, data = excluded.data, notice = excluded.notice,"
            " language = excluded.language, updated_at = excluded.updated_at",
            (
                state.chat_id,
                state.flow,
                state.step,
                state.ask_id,
                json.dumps(state.data, ensure_ascii=False),
                state.notice,
                state.language,
                to_db_time(now),
            ),
        )

    async def expire_before(self, moment: datetime, notice: str) -> int:
        """Wipe the answers of every unfinished flow silent since before ``moment``.

        The row stays, empty but for ``notice``, so the next message can say what happened.
        """
        cursor = await self._conn.execute(
            "UPDATE conversations SET flow = NULL, step = NULL, data = '{}', notice = ?"
            " WHERE flow IS NOT NULL AND updated_at < ?",
            (notice, to_db_time(moment)),
        )
        return cursor.rowcount
