"""Members of the team side: roles, teams, invites, and the log of who viewed what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage._tx import Tx

from storage._time import from_db_time, to_db_time


@dataclass(frozen=True)
class Member:
    person_id: int
    telegram_id: int
    role: str
    teams: frozenset[str]
    display_name: str | None
    language: str = "nl"
    adopted: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        return self.display_name or str(self.telegram_id)

    @property
    def roles(self) -> frozenset[str]:
        """Every role held: coordinator, teamlid (of ``teams``), raadslid (of ``adopted``)."""
        held = {"coordinator"} if self.role == "coordinator" else set()
        if self.teams:
            held.add("teamlid")
        if self.adopted:
            held.add("raadslid")
        return frozenset(held or {self.role})


# The order of roles, lowest first: people.role holds the highest role a person has.
ROLE_RANK = {"bewoner": 0, "raadslid": 1, "teamlid": 2, "coordinator": 3}


def _member(rows: list[tuple[object, ...]]) -> Member:
    """A member from rows of id, telegram_id, role, display_name, team, language, team role."""
    first = rows[0]
    teams = frozenset(str(r[4]) for r in rows if r[4] is not None and r[6] == "teamlid")
    adopted = frozenset(str(r[4]) for r in rows if r[4] is not None and r[6] == "raadslid")
    return Member(
        int(str(first[0])),
        int(str(first[1])),
        str(first[2]),
        teams,
        None if first[3] is None else str(first[3]),
        str(first[5]),
        adopted,
    )


@dataclass(frozen=True)
class Invite:
    code: str
    role: str
    team: str | None
    expires_at: datetime
    used_at: datetime | None
    created_at: datetime | None = None
    withdrawn_at: datetime | None = None

    def open_at(self, now: datetime) -> bool:
        """Not used, not withdrawn and not expired."""
        return self.used_at is None and self.withdrawn_at is None and self.expires_at >= now


_INVITE_SELECT = (
    "SELECT code, role, team, expires_at, used_at, created_at, withdrawn_at FROM invites"
)


def _invite(r: tuple[object, ...]) -> Invite:
    def at(value: object) -> datetime | None:
        return from_db_time(str(value)) if value else None

    expires = at(r[3])
    assert expires is not None
    return Invite(
        str(r[0]),
        str(r[1]),
        None if r[2] is None else str(r[2]),
        expires,
        at(r[4]),
        at(r[5]),
        at(r[6]),
    )


class Members:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def get(self, telegram_id: int) -> Member | None:
        """The active (not revoked) member with this Telegram id; ``None`` for a resident."""
        rows = await self._tx.read(
            "SELECT p.id, p.telegram_id, p.role, p.display_name, m.team, p.language, m.role"
            " FROM people p LEFT JOIN memberships m ON m.person_id = p.id"
            " WHERE p.telegram_id = ? AND p.revoked_at IS NULL AND p.role != 'bewoner'",
            (telegram_id,),
        )
        return _member(rows) if rows else None

    async def of_team(self, team: str) -> list[Member]:
        """Active members who work the queue of ``team`` (its team members)."""
        rows = await self._tx.read(
            "SELECT p.telegram_id FROM people p JOIN memberships m ON m.person_id = p.id"
            " WHERE m.team = ? AND m.role = 'teamlid' AND p.revoked_at IS NULL"
            " ORDER BY p.telegram_id",
            (team,),
        )
        found = [await self.get(r[0]) for r in rows]
        return [m for m in found if m is not None]

    async def all(self) -> list[tuple[Member, datetime | None]]:
        """Every person with a role other than bewoner, revoked or not (revoked_at second)."""
        rows = await self._tx.read(
            "SELECT telegram_id, revoked_at FROM people WHERE role != 'bewoner' OR revoked_at"
            " IS NOT NULL ORDER BY id"
        )
        found = []
        for telegram_id, revoked_at in rows:
            member = await self._member_any(telegram_id)
            found.append((member, from_db_time(revoked_at) if revoked_at else None))
        return found

    async def _member_any(self, telegram_id: int) -> Member:
        rows = await self._tx.read(
            "SELECT p.id, p.telegram_id, p.role, p.display_name, m.team, p.language, m.role"
            " FROM people p LEFT JOIN memberships m ON m.person_id = p.id"
            " WHERE p.telegram_id = ?",
            (telegram_id,),
        )
        return _member(rows)

    async def create_invite(
        self, code: str, role: str, team: str | None, now: datetime, expires_at: datetime
    ) -> None:
        await self._tx.write(
            "INSERT INTO invites (code, role, team, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (code, role, team, to_db_time(now), to_db_time(expires_at)),
        )

    async def invite(self, code: str) -> Invite | None:
        rows = await self._tx.read(_INVITE_SELECT + " WHERE code = ?", (code,))
        return _invite(rows[0]) if rows else None

    async def open_invites(self, now: datetime) -> list[Invite]:
        """Codes that can still be used, oldest first."""
        rows = await self._tx.read(
            _INVITE_SELECT + " WHERE used_at IS NULL AND withdrawn_at IS NULL AND expires_at >= ?"
            " ORDER BY expires_at",
            (to_db_time(now),),
        )
        return [_invite(r) for r in rows]

    async def withdraw_invite(self, code: str, now: datetime) -> bool:
        """Withdraw an unused code; ``False`` if there is no such open code."""
        cursor = await self._tx.write(
            "UPDATE invites SET withdrawn_at = ? WHERE code = ? AND used_at IS NULL"
            " AND withdrawn_at IS NULL",
            (to_db_time(now), code),
        )
        return cursor.rowcount == 1

    async def wrong_codes(self, telegram_id: int, since: datetime) -> list[datetime]:
        """When this account typed a wrong code since ``since``, oldest first."""
        rows = await self._tx.read(
            "SELECT at FROM code_attempts WHERE telegram_id = ? AND at >= ? ORDER BY at",
            (telegram_id, to_db_time(since)),
        )
        return [from_db_time(r[0]) for r in rows]

    async def log_wrong_code(self, telegram_id: int, now: datetime, keep: datetime) -> None:
        """Count a wrong code; rows of this account older than ``keep`` go."""
        await self._tx.write(
            "DELETE FROM code_attempts WHERE telegram_id = ? AND at < ?",
            (telegram_id, to_db_time(keep)),
        )
        await self._tx.write(
            "INSERT INTO code_attempts (telegram_id, at) VALUES (?, ?)",
            (telegram_id, to_db_time(now)),
        )

    async def redeem(
        self, invite: Invite, person_id: int, display_name: str | None, now: datetime
    ) -> None:
        """Use ``invite`` for the person: add its role (for its team), once.

        Roles add up: the person keeps what they held, and ``people.role`` becomes the highest.
        Whether the code would lower a role is the caller's question (see ``team.redeem``).
        """
        await self._tx.write(
            "UPDATE invites SET used_at = ?, used_by = ? WHERE code = ? AND used_at IS NULL",
            (to_db_time(now), person_id, invite.code),
        )
        rows = await self._tx.read("SELECT role, revoked_at FROM people WHERE id = ?", (person_id,))
        held = "bewoner" if not rows or rows[0][1] is not None else str(rows[0][0])
        highest = max(held, invite.role, key=ROLE_RANK.__getitem__)
        await self._tx.write(
            "UPDATE people SET role = ?, revoked_at = NULL,"
            " display_name = COALESCE(?, display_name) WHERE id = ?",
            (highest, display_name, person_id),
        )
        if invite.team:
            await self._tx.write(
                "INSERT INTO memberships (person_id, team, role) VALUES (?, ?, ?)"
                " ON CONFLICT (person_id, team) DO UPDATE SET role = excluded.role",
                (person_id, invite.team, invite.role),
            )

    async def revoke(self, telegram_id: int, now: datetime) -> bool:
        """Take away role and teams at once; ``False`` if there was no such member."""
        cursor = await self._tx.write(
            "UPDATE people SET role = 'bewoner', revoked_at = ?"
            " WHERE telegram_id = ? AND role != 'bewoner'",
            (to_db_time(now), telegram_id),
        )
        if cursor.rowcount != 1:
            return False
        await self._tx.write(
            "DELETE FROM memberships WHERE person_id ="
            " (SELECT id FROM people WHERE telegram_id = ?)",
            (telegram_id,),
        )
        return True

    async def revoked_at(self, telegram_id: int) -> datetime | None:
        """When this person's roles were taken away, if they were."""
        rows = await self._tx.read(
            "SELECT revoked_at FROM people WHERE telegram_id = ?", (telegram_id,)
        )
        return from_db_time(rows[0][0]) if rows and rows[0][0] else None

    async def log_view(self, signal_id: int, person_id: int, now: datetime) -> None:
        """Record that a member saw a signal's personal data."""
        await self._tx.write(
            "INSERT INTO signal_views (signal_id, person_id, at) VALUES (?, ?, ?)",
            (signal_id, person_id, to_db_time(now)),
        )

    async def views(self, signal_id: int) -> list[tuple[int | None, datetime]]:
        """Who viewed the signal and when; ``None`` for a person since forgotten."""
        rows = await self._tx.read(
            "SELECT p.telegram_id, v.at FROM signal_views v LEFT JOIN people p"
            " ON p.id = v.person_id"
            " WHERE v.signal_id = ? ORDER BY v.id",
            (signal_id,),
        )
        return [(r[0], from_db_time(r[1])) for r in rows]
