"""People: a Telegram id, a role and a preferred language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage._tx import Tx

from storage._time import to_db_time


@dataclass(frozen=True)
class Person:
    id: int
    telegram_id: int
    role: str
    language: str


class People:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def get(self, telegram_id: int) -> Person | None:
        rows = await self._tx.read(
            "SELECT id, telegram_id, role, language FROM people WHERE telegram_id = ?",
            (telegram_id,),
        )
        return Person(*rows[0]) if rows else None

    async def by_id(self, person_id: int) -> Person | None:
        rows = await self._tx.read(
            "SELECT id, telegram_id, role, language FROM people WHERE id = ?", (person_id,)
        )
        return Person(*rows[0]) if rows else None

    async def ensure(self, telegram_id: int, language: str, now: datetime) -> Person:
        """The person with this Telegram id, created as a ``bewoner`` if new."""
        await self._tx.write(
            "INSERT INTO people (telegram_id, language, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (telegram_id) DO NOTHING",
            (telegram_id, language, to_db_time(now)),
        )
        person = await self.get(telegram_id)
        assert person is not None
        return person
