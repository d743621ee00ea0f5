"""Signals, their events (every change) and the consents given with them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage._crypto import Cipher
    from storage._tx import Tx

from storage._time import from_db_time, to_db_time

# The actor of the events the reporter made: their answers to the team, their check-ins.
REPORTER_ACTOR = "melder"


@dataclass(frozen=True)
class ConsentAnswer:
    purpose: str
    text_version: str
    given: bool
    answered_at: datetime


@dataclass(frozen=True)
class SignalEvent:
    at: datetime
    actor: str
    kind: str
    from_status: str | None
    to_status: str | None
    note: str | None = None
    # When the reporter's own words in ``note`` were removed at their request (/verwijderen).
    removed_at: datetime | None = None


@dataclass(frozen=True)
class NewSignal:
    """Everything a report brings in; the reference is given out on storing."""

    created_at: datetime
    category: str
    team: str
    about: str
    description: str
    postcode: str | None
    postcode4: str | None
    anonymous: bool
    source: str
    reporter_id: int | None
    subject_knows: bool | None
    contact_method: str | None
    contact_phone: str | None
    deadline: date
    route_reason: str
    language: str
    consents: tuple[ConsentAnswer, ...] = ()


@dataclass(frozen=True)
class Sealed:
    """A signal's encrypted fields as stored, opened only when read: a queue or a digest lists
    hundreds of signals and shows the description of a few (Fernet costs about 20 µs a field)."""

    cipher: Cipher
    description: str | None
    postcode: str | None
    contact_phone: str | None


@dataclass(frozen=True)
class StoredSignal:
    id: int
    ref: str
    created_at: datetime
    category: str
    team: str
    status: str
    about: str
    subject_knows: bool | None
    sealed: Sealed = field(repr=False)
    postcode4: str | None
    anonymous: bool
    source: str
    reporter_id: int | None
    contact_method: str | None
    deadline: date
    route_reason: str
    language: str
    claimed_by: int | None = None
    outcome: str | None = None
    attention: str | None = None
    closed_at: datetime | None = None
    consents: list[ConsentAnswer] = field(default_factory=list)

    @cached_property
    def description(self) -> str:
        return self.sealed.cipher.decrypt(self.sealed.description) or ""

    @cached_property
    def postcode(self) -> str | None:
        return self.sealed.cipher.decrypt(self.sealed.postcode)

    @cached_property
    def contact_phone(self) -> str | None:
        return self.sealed.cipher.decrypt(self.sealed.contact_phone)


# The open signals, written exactly as in the partial indexes of migration 0010.
OPEN_WHERE = "status != 'afgerond' OR attention IS NOT NULL"

_COLUMNS = (
    "id, ref, created_at, category, team, status, about, subject_knows, description, postcode,"
    " postcode4, anonymous, source, reporter_id, contact_method, contact_phone, deadline,"
    " route_reason, language, claimed_by, outcome, attention, closed_at"
)


def _bool(value: int | None) -> bool | None:
    return None if value is None else bool(value)


class Signals:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def next_reference(self, prefix: str, year: int) -> str:
        """The next reference of ``year``, like ``WS-2026-00042``."""
        (row,) = await self._tx.write_fetch(
            "INSERT INTO reference_counters (year, last) VALUES (?, 1)"
            " ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
            (year,),
        )
        return f"{prefix}-{year}-{row[0]:05d}"

    async def create(self, signal: NewSignal, ref: str, actor: str) -> int:
        """Store ``signal`` under ``ref`` with its consents and a ``nieuw`` event; its id."""
        cursor = await self._tx.write(
            "INSERT INTO signals (ref, created_at, category, team, about, subject_knows,"
            " description, postcode, postcode4, anonymous, source, reporter_id, contact_method,"
            " contact_phone, deadline, route_reason, language)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ref,
                to_db_time(signal.created_at),
                signal.category,
                signal.team,
                signal.about,
                signal.subject_knows,
                self._tx.cipher.encrypt(signal.description),
                self._tx.cipher.encrypt(signal.postcode),
                signal.postcode4,
                signal.anonymous,
                signal.source,
                signal.reporter_id,
                signal.contact_method,
                self._tx.cipher.encrypt(signal.contact_phone),
                signal.deadline.isoformat(),
                signal.route_reason,
                signal.language,
            ),
        )
        signal_id = cursor.lastrowid
        assert signal_id is not None
        await self._tx.write_many(
            "INSERT INTO consents (person_id, signal_id, purpose, text_version, given, answered_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    signal.reporter_id,
                    signal_id,
                    c.purpose,
                    c.text_version,
                    c.given,
                    to_db_time(c.answered_at),
                )
                for c in signal.consents
            ],
        )
        await self.add_event(
            signal_id, signal.created_at, actor, "aangemaakt", None, "nieuw", signal.route_reason
        )
        return signal_id

    async def add_event(
        self,
        signal_id: int,
        at: datetime,
        actor: str,
        kind: str,
        from_status: str | None,
        to_status: str | None,
        note: str | None = None,
    ) -> None:
        await self._tx.write(
            "INSERT INTO signal_events (signal_id, at, actor, kind, from_status, to_status, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                signal_id,
                to_db_time(at),
                actor,
                kind,
                from_status,
                to_status,
                self._tx.cipher.encrypt(note),
            ),
        )

    async def events(self, signal_id: int) -> list[SignalEvent]:
        rows = await self._tx.read(
            "SELECT at, actor, kind, from_status, to_status, note, removed_at FROM signal_events"
            " WHERE signal_id = ? ORDER BY id",
            (signal_id,),
        )
        return [
            SignalEvent(
                from_db_time(r[0]),
                r[1],
                r[2],
                r[3],
                r[4],
                self._tx.cipher.decrypt(r[5]),
                from_db_time(r[6]) if r[6] else None,
            )
            for r in rows
        ]

    async def remove_reporter_words(self, signal_id: int, at: datetime) -> None:
        """The reporter asked to be removed: the texts they wrote after the report (answers to
        the team, check-in remarks) go; the events stay, marked with ``at``."""
        await self._tx.write(
            "UPDATE signal_events SET note = NULL, removed_at = ?"
            " WHERE signal_id = ? AND actor = ? AND note IS NOT NULL",
            (to_db_time(at), signal_id, REPORTER_ACTOR),
        )

    async def withdraw_for_removal(
        self, signal_id: int, purposes: tuple[str, ...], at: datetime
    ) -> None:
        """Withdraw ``purposes`` on the signal as of ``at``, whoever gave them: the reporter
        asked to be removed, so the team no longer sees these consents as given."""
        marks = ",".join("?" * len(purposes))
        await self._tx.write(
            f"UPDATE consents SET withdrawn_at = ? WHERE signal_id = ? AND purpose IN ({marks})"
            " AND given = 1 AND withdrawn_at IS NULL",
            (to_db_time(at), signal_id, *purposes),
        )

    async def by_ref(self, ref: str) -> StoredSignal | None:
        found = await self._select("WHERE ref = ?", (ref,))
        return found[0] if found else None

    async def all(self) -> list[StoredSignal]:
        """Every signal, in memory: for tests and small databases (the export streams)."""
        return await self._select("ORDER BY id", ())

    async def by_id(self, signal_id: int) -> StoredSignal | None:
        found = await self._select("WHERE id = ?", (signal_id,))
        return found[0] if found else None

    async def of_reporter(self, person_id: int) -> list[StoredSignal]:
        return await self._select("WHERE reporter_id = ? ORDER BY id", (person_id,))

    async def open_of(self, teams: frozenset[str] | None) -> list[StoredSignal]:
        """Signals not closed, or closed with a reopen request, of ``teams`` (``None``: all);
        read through the partial indexes on open signals, never the history."""
        if teams is None:
            return await self._select(f"WHERE ({OPEN_WHERE}) ORDER BY id", ())
        marks = ",".join("?" * len(teams))
        return await self._select(
            f"WHERE ({OPEN_WHERE}) AND team IN ({marks}) ORDER BY id", tuple(sorted(teams))
        )

    async def change(
        self,
        signal: StoredSignal,
        at: datetime,
        actor: str,
        kind: str,
        to_status: str,
        note: str | None = None,
        *,
        claimed_by: int | None = None,
        outcome: str | None = None,
        team: str | None = None,
    ) -> None:
        """Move ``signal`` to ``to_status`` and record the event (the caller checked the move)."""
        closing = to_status == "afgerond"
        # closed_at drives retention; a signal closed again is anonymised a year after that.
        await self._tx.write(
            "UPDATE signals SET status = ?, claimed_by = ?, outcome = ?, team = ?,"
            " attention = NULL, closed_at = ?,"
            " anonymised_at = CASE WHEN ? THEN NULL ELSE anonymised_at END WHERE id = ?",
            (
                to_status,
                claimed_by,
                outcome,
                team or signal.team,
                to_db_time(at) if closing else None,
                closing,
                signal.id,
            ),
        )
        await self.add_event(signal.id, at, actor, kind, signal.status, to_status, note)

    async def _select(self, where: str, params: tuple[object, ...]) -> list[StoredSignal]:
        rows = await self._tx.read(f"SELECT {_COLUMNS} FROM signals {where}", params)
        signals = [
            StoredSignal(
                id=r[0],
                ref=r[1],
                created_at=from_db_time(r[2]),
                category=r[3],
                team=r[4],
                status=r[5],
                about=r[6],
                subject_knows=_bool(r[7]),
                sealed=Sealed(self._tx.cipher, r[8], r[9], r[15]),
                postcode4=r[10],
                anonymous=bool(r[11]),
                source=r[12],
                reporter_id=r[13],
                contact_method=r[14],
                deadline=date.fromisoformat(r[16]),
                route_reason=r[17],
                language=r[18],
                claimed_by=r[19],
                outcome=r[20],
                attention=r[21],
                closed_at=from_db_time(r[22]) if r[22] else None,
            )
            for r in rows
        ]
        by_id = {s.id: s for s in signals}
        ids = list(by_id)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in await self._tx.read(
                "SELECT signal_id, purpose, text_version, given, answered_at FROM consents"
                f" WHERE signal_id IN ({marks}) AND withdrawn_at IS NULL ORDER BY id",
                chunk,
            ):
                by_id[row[0]].consents.append(
                    ConsentAnswer(row[1], row[2], bool(row[3]), from_db_time(row[4]))
                )
        return signals
