"""Retention: nothing is kept longer than the municipality decided (DOMAIN.md defaults).

Contact details of a signal are anonymised a year after it was closed (phone, contact method,
chat link, full postcode, the texts of messages between the team and the reporter); closed
signals are deleted after five years, with their events, consents and view log; unfinished
conversations are wiped after their expiry. Every run is recorded, and the file is vacuumed
after deletions so the data is really gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Config
from bot.engine import EXPIRED_NOTICE
from storage import Database, to_db_time

_CLOSED_BEFORE = (
    "SELECT s.id FROM signals s WHERE s.status = 'afgerond' AND ("
    " SELECT max(e.at) FROM signal_events e WHERE e.signal_id = s.id AND e.to_status = 'afgerond'"
    ") < ?"
)


@dataclass(frozen=True)
class PurgeResult:
    anonymised: int
    deleted: int
    conversations: int


async def purge(
    db: Database,
    now: datetime,
    *,
    anonymise_after: timedelta,
    delete_after: timedelta,
    conversation_expiry: timedelta,
    expired_notice: str,
) -> PurgeResult:
    """Apply retention as of ``now`` in one transaction, record it, and vacuum after deletions."""
    async with db.transaction() as tx:
        anonymise = [
            r[0] for r in await tx.read(_CLOSED_BEFORE, (to_db_time(now - anonymise_after),))
        ]
        anonymised = 0
        for signal_id in anonymise:
            cursor = await tx.write(
                "UPDATE signals SET contact_phone = NULL, contact_method = NULL,"
                " reporter_id = NULL, postcode = NULL WHERE id = ? AND ("
                " contact_phone IS NOT NULL OR contact_method IS NOT NULL"
                " OR reporter_id IS NOT NULL OR postcode IS NOT NULL)",
                (signal_id,),
            )
            await tx.write("UPDATE consents SET person_id = NULL WHERE signal_id = ?", (signal_id,))
            # Messages between the team and the reporter are contact too: their text goes.
            await tx.write(
                "UPDATE signal_events SET note = NULL WHERE signal_id = ?"
                " AND kind LIKE 'bericht-%' AND note IS NOT NULL",
                (signal_id,),
            )
            anonymised += cursor.rowcount
        doomed = [r[0] for r in await tx.read(_CLOSED_BEFORE, (to_db_time(now - delete_after),))]
        for signal_id in doomed:
            await tx.write("DELETE FROM signals WHERE id = ?", (signal_id,))
        conversations = await tx.conversations.expire_before(
            now - conversation_expiry, expired_notice
        )
        await tx.write(
            "INSERT INTO purge_runs (at, anonymised, deleted, conversations) VALUES (?, ?, ?, ?)",
            (to_db_time(now), anonymised, len(doomed), conversations),
        )
    if doomed:
        await db.vacuum()
    return PurgeResult(anonymised, len(doomed), conversations)


async def purge_by_config(db: Database, config: Config, now: datetime) -> PurgeResult:
    """:func:`purge` with the config's retention periods."""
    return await purge(
        db,
        now,
        anonymise_after=config.anonymise_after,
        delete_after=config.delete_closed_after,
        conversation_expiry=config.conversation_expiry,
        expired_notice=EXPIRED_NOTICE,
    )
