"""Activities of the neighbourhood's offer stored with a signal (migration 0012).

``na_melding``: offered to the reporter right after the report, with their answer to "shall the
team talk it over with you?" (``wanted``; ``None`` while they did not answer). ``afronding``:
the activity the team named when it closed the signal with "collectief aanbod". The name is
kept as it was then (the offer file may change), encrypted: the team's own "ander aanbod" is
free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage._tx import Tx

from storage._time import from_db_time, to_db_time

OFFER_AFTER_REPORT = "na_melding"
OFFER_AT_CLOSING = "afronding"


@dataclass(frozen=True)
class SignalOffer:
    kind: str
    activity_id: str | None
    name: str
    wanted: bool | None
    at: datetime


class SignalOffers:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def add(
        self,
        signal_id: int,
        kind: str,
        offered: list[tuple[str | None, str]],
        at: datetime,
    ) -> None:
        """Store ``(activity id, name)`` pairs of ``kind`` with the signal."""
        await self._tx.write_many(
            "INSERT INTO signal_offers (signal_id, kind, activity_id, name, at)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (signal_id, kind, activity_id, self._tx.cipher.encrypt(name), to_db_time(at))
                for activity_id, name in offered
            ],
        )

    async def answer(self, signal_id: int, wanted: bool) -> int:
        """The reporter's answer about the activities offered after the report; how many."""
        cursor = await self._tx.write(
            "UPDATE signal_offers SET wanted = ? WHERE signal_id = ? AND kind = ?",
            (wanted, signal_id, OFFER_AFTER_REPORT),
        )
        return cursor.rowcount

    async def of_signal(self, signal_id: int) -> list[SignalOffer]:
        rows = await self._tx.read(
            "SELECT kind, activity_id, name, wanted, at FROM signal_offers WHERE signal_id = ?"
            " ORDER BY id",
            (signal_id,),
        )
        return [
            SignalOffer(
                r[0],
                r[1],
                self._tx.cipher.decrypt(r[2]) or "",
                None if r[3] is None else bool(r[3]),
                from_db_time(r[4]),
            )
            for r in rows
        ]

    async def forget_answers(self, signal_id: int) -> None:
        """The reporter's own answers go when they have their data removed."""
        await self._tx.write(
            "DELETE FROM signal_offers WHERE signal_id = ? AND kind = ?",
            (signal_id, OFFER_AFTER_REPORT),
        )
