"""Telegram update ids already handled: a redelivered update is handled once."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage._time import to_db_time


class Updates:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def claim(self, update_id: int, now: datetime) -> bool:
        """Record ``update_id``; ``False`` when it was handled before."""
        cursor = await self._conn.execute(
            "INSERT OR IGNORE INTO processed_updates (update_id, processed_at) VALUES (?, ?)",
            (update_id, to_db_time(now)),
        )
        return cursor.rowcount == 1

    async def forget_before(self, moment: datetime) -> int:
        cursor = await self._conn.execute(
            "DELETE FROM processed_updates WHERE processed_at < ?",
            (to_db_time(moment),),
        )
        return cursor.rowcount
