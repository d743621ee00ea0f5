"""The durable inbox of updates and the queue of replies not yet accepted by Telegram.

Together they make a turn all-or-nothing from the outside too: the update is on disk before
Telegram forgets it, and the turn's transaction both removes it from the inbox and puts the
turn's replies in the queue. A reply leaves the queue only after Telegram accepted it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage._tx import Deferred, Tx

from storage._time import to_db_time


class QueuedIds:
    """The ids of replies queued with a deferred statement, readable once it was sent."""

    def __init__(self, statement: Deferred | None) -> None:
        self._statement = statement

    def ids(self) -> list[int]:
        if self._statement is None:
            return []
        if not self._statement.sent:
            raise RuntimeError("the queued replies were not written yet")
        return sorted(int(r[0]) for r in self._statement.rows)


class Inbox:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def store(self, updates: list[tuple[int, str]], now: datetime) -> list[tuple[int, str]]:
        """Keep each ``(update_id, json)``, each on its own; one seen before is left as it is.
        One that cannot be encrypted is kept set aside instead (:meth:`keep_aside`): those come
        back as ``(update_id, error class)``."""
        stamp = to_db_time(now)
        kept: list[tuple[int, str | None, str]] = []
        refused: list[tuple[int, str]] = []
        for uid, raw in updates:
            try:
                kept.append((uid, self._tx.cipher.encrypt(raw), stamp))
            except Exception as exc:  # whatever it is, the other updates are kept
                refused.append((uid, type(exc).__name__))
        if kept:
            await self._tx.write_many(
                "INSERT OR IGNORE INTO inbox (update_id, raw, received_at) VALUES (?, ?, ?)", kept
            )
        await self.keep_aside(refused, now)
        return refused

    async def keep_aside(self, updates: list[tuple[int, str]], now: datetime) -> None:
        """Record each ``(update_id, reason)`` that could not be kept as ``onleesbaar``,
        without content; one stored before is left as it is."""
        if updates:
            await self._tx.write_many(
                "INSERT OR IGNORE INTO inbox (update_id, raw, state, reason, received_at)"
                " VALUES (?, NULL, 'onleesbaar', ?, ?)",
                [(uid, reason, to_db_time(now)) for uid, reason in updates],
            )

    async def set_aside(self, update_id: int, state: str, reason: str) -> None:
        """``onleesbaar`` or ``mislukt``: never handled again, its content gone."""
        await self._tx.write(
            "UPDATE inbox SET state = ?, reason = ?, raw = NULL WHERE update_id = ?",
            (state, reason, update_id),
        )

    async def done(self, update_id: int) -> None:
        """The update was handled: part of the turn's transaction."""
        self._tx.defer("DELETE FROM inbox WHERE update_id = ? AND state = 'nieuw'", (update_id,))

    async def forget_set_aside(self, moment: datetime, *, limit: int) -> int:
        """Remove up to ``limit`` updates set aside before ``moment``; how many."""
        cursor = await self._tx.write(
            "DELETE FROM inbox WHERE update_id IN (SELECT update_id FROM inbox"
            " WHERE state != 'nieuw' AND received_at < ? LIMIT ?)",
            (to_db_time(moment), limit),
        )
        return cursor.rowcount

    async def pending(self, limit: int = 200) -> list[tuple[int, str]]:
        """Updates stored and not yet handled, oldest first."""
        rows = await self._tx.read(
            "SELECT update_id, raw FROM inbox WHERE state = 'nieuw' ORDER BY update_id LIMIT ?",
            (limit,),
        )
        return [(int(r[0]), self._tx.cipher.decrypt(r[1]) or "{}") for r in rows]


class ReplyQueue:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def add(self, chat_id: int, payload: str, now: datetime) -> int:
        (queue_id,) = await self.add_all([(chat_id, payload)], now)
        return queue_id

    async def add_all(self, replies: list[tuple[int, str]], now: datetime) -> list[int]:
        """Queue every ``(chat_id, payload)`` at once; their ids, in the same order."""
        queued = self.add_later(replies, now)
        await self._tx.flush()
        return queued.ids()

    def add_later(self, replies: list[tuple[int, str]], now: datetime) -> QueuedIds:
        """Queue every ``(chat_id, payload)`` in one statement sent with the turn's last batch
        (:meth:`Tx.defer`); their ids once it is sent (new rowids are handed out in the order
        of the rows)."""
        if not replies:
            return QueuedIds(None)
        stamp = to_db_time(now)
        values = ", ".join(["(?, ?, ?)"] * len(replies))
        params = [
            value
            for chat_id, payload in replies
            for value in (chat_id, self._tx.cipher.encrypt(payload), stamp)
        ]
        return QueuedIds(
            self._tx.defer(
                f"INSERT INTO reply_queue (chat_id, payload, created_at) VALUES {values}"
                " RETURNING id",
                params,
                fetch=True,
            )
        )

    async def sent(self, reply_id: int) -> None:
        """Telegram took the reply: out of the queue (alone, a statement that commits itself)."""
        self._tx.defer("DELETE FROM reply_queue WHERE id = ?", (reply_id,))

    async def pending(self, before: datetime, limit: int = 200) -> list[tuple[int, int, str]]:
        """Replies queued before ``before`` and not yet accepted, oldest first."""
        rows = await self._tx.read(
            "SELECT id, chat_id, payload FROM reply_queue WHERE created_at < ?"
            " ORDER BY created_at, id LIMIT ?",
            (to_db_time(before), limit),
        )
        return [(int(r[0]), int(r[1]), self._tx.cipher.decrypt(r[2]) or "{}") for r in rows]

    async def forget_chat(self, chat_id: int) -> None:
        await self._tx.write("DELETE FROM reply_queue WHERE chat_id = ?", (chat_id,))
