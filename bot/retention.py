"""Retention: nothing is kept longer than the municipality decided (defaults in docs/privacy.md).

Contact details of a signal are anonymised a year after it was closed (phone, contact method,
chat link, full postcode, the texts of messages between the team and the reporter, the first
event's copy of the route reason); closed
signals are deleted after five years, with their events, consents and view log; unfinished
conversations are wiped after their expiry, and ended ones go after a month of silence (a chosen
language other than Dutch is kept); updates set aside and old code guesses go too. Every run is
recorded.

The work stays linear and never holds the database for long: what is due is found through
partial indexes (migration 0010), each batch of at most :data:`BATCH` rows is its own short
transaction, and only rows that change are written. A resident's turn waits for one batch at
most. Deleted rows are overwritten in the file (``PRAGMA secure_delete``), and the write-ahead
log is emptied after a run that deleted, so the data is really gone without a long VACUUM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Config
from bot.engine import EXPIRED_NOTICE
from storage import Database, Tx, to_db_time

BATCH = 200
ENDED_KEPT = timedelta(days=30)  # an ended conversation's row (its last update id, its notice)
ASIDE_KEPT = timedelta(days=30)  # updates set aside, kept for the log
GUESSES_KEPT = timedelta(days=1)  # wrong invite codes, counted for the pause


@dataclass(frozen=True)
class PurgeResult:
    anonymised: int
    deleted: int
    conversations: int


def _never() -> bool:
    return False


async def in_batches(
    db: Database,
    step: Callable[[Tx], Awaitable[int]],
    batch: int,
    stopping: Callable[[], bool] = _never,
) -> int:
    """Run ``step`` (which handles at most ``batch`` rows and says how many) each time in a
    transaction of its own until it handles fewer, or ``stopping()``; the total."""
    total = 0
    while not stopping():
        async with db.transaction() as tx:
            done = await step(tx)
        total += done
        if done < batch:
            return total
    return total


def _marks(ids: list[int]) -> str:
    return ",".join("?" * len(ids))


async def _closed_before(tx: Tx, cutoff: str, batch: int, *, anonymised: bool) -> list[int]:
    """Up to ``batch`` ids of signals closed before ``cutoff``, through a partial index (all of
    them, or only those not yet anonymised)."""
    pending = "" if anonymised else " AND anonymised_at IS NULL"
    sql = (
        f"SELECT id FROM signals WHERE status = 'afgerond'{pending} AND closed_at < ?"
        " ORDER BY closed_at LIMIT ?"
    )
    return [r[0] for r in await tx.read(sql, (cutoff, batch))]


async def anonymise_batch(tx: Tx, cutoff: str, now: str, batch: int) -> tuple[int, int]:
    """Anonymise up to ``batch`` signals closed before ``cutoff``: (handled, that had contact)."""
    ids = await _closed_before(tx, cutoff, batch, anonymised=False)
    if not ids:
        return 0, 0
    marks = _marks(ids)
    (with_contact,) = await tx.read(
        f"SELECT count(*) FROM signals WHERE id IN ({marks}) AND (contact_phone IS NOT NULL"
        " OR contact_method IS NOT NULL OR reporter_id IS NOT NULL OR postcode IS NOT NULL)",
        ids,
    )
    await tx.write(
        "UPDATE signals SET contact_phone = NULL, contact_method = NULL, reporter_id = NULL,"
        f" postcode = NULL, anonymised_at = ? WHERE id IN ({marks})",
        (now, *ids),
    )
    await tx.write(
        f"UPDATE consents SET person_id = NULL WHERE signal_id IN ({marks})"
        " AND person_id IS NOT NULL",
        ids,
    )
    # Messages between the team and the reporter are contact too: their text goes. So does the
    # first event's copy of the route reason, which named the full postcode before migration
    # 0014 (the signal keeps its reason, with the PC4 only).
    await tx.write(
        f"UPDATE signal_events SET note = NULL WHERE signal_id IN ({marks})"
        " AND (kind LIKE 'bericht-%' OR kind = 'aangemaakt') AND note IS NOT NULL",
        ids,
    )
    return len(ids), int(with_contact[0])


async def delete_batch(tx: Tx, cutoff: str, batch: int) -> int:
    """Delete up to ``batch`` signals closed before ``cutoff`` (their events, consents and view
    log go with them; their check-ins stay, without the signal)."""
    ids = await _closed_before(tx, cutoff, batch, anonymised=True)
    if ids:
        await tx.write(f"DELETE FROM signals WHERE id IN ({_marks(ids)})", ids)
    return len(ids)


async def purge(
    db: Database,
    now: datetime,
    *,
    anonymise_after: timedelta,
    delete_after: timedelta,
    conversation_expiry: timedelta,
    expired_notice: str,
    batch: int = BATCH,
    stopping: Callable[[], bool] = _never,
) -> PurgeResult:
    """Apply retention as of ``now`` in short batches, and record the run; ``stopping()`` ends
    it between two batches (the next run goes on where this one stopped)."""
    stamp = to_db_time(now)
    anonymised = 0
    cutoff = to_db_time(now - anonymise_after)
    while not stopping():
        async with db.transaction() as tx:
            handled, with_contact = await anonymise_batch(tx, cutoff, stamp, batch)
        anonymised += with_contact
        if handled < batch:
            break
    deleted = await in_batches(
        db, lambda tx: delete_batch(tx, to_db_time(now - delete_after), batch), batch, stopping
    )
    conversations = await in_batches(
        db,
        lambda tx: tx.conversations.expire_before(
            now - conversation_expiry, expired_notice, limit=batch
        ),
        batch,
        stopping,
    )
    removed = await in_batches(
        db,
        lambda tx: tx.conversations.remove_ended(now - ENDED_KEPT, limit=batch),
        batch,
        stopping,
    )
    removed += await in_batches(
        db,
        lambda tx: tx.inbox.forget_set_aside(now - ASIDE_KEPT, limit=batch),
        batch,
        stopping,
    )
    async with db.transaction() as tx:
        await tx.write("DELETE FROM code_attempts WHERE at < ?", (to_db_time(now - GUESSES_KEPT),))
        await tx.write(
            "INSERT INTO purge_runs (at, anonymised, deleted, conversations) VALUES (?, ?, ?, ?)",
            (stamp, anonymised, deleted, conversations),
        )
    if deleted or removed or anonymised:
        await db.checkpoint()
    return PurgeResult(anonymised, deleted, conversations)


async def purge_by_config(
    db: Database, config: Config, now: datetime, stopping: Callable[[], bool] = _never
) -> PurgeResult:
    """:func:`purge` with the config's retention periods."""
    return await purge(
        db,
        now,
        anonymise_after=config.anonymise_after,
        delete_after=config.delete_closed_after,
        conversation_expiry=config.conversation_expiry,
        expired_notice=EXPIRED_NOTICE,
        stopping=stopping,
    )
