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

    @property
    def name(self) -> str:
        return self.display_name or str(self.telegram_id)


@dataclass(frozen=True)
class Invite:
    code: str
    role: str
    team: str | None
    expires_at: datetime
    used_at: datetime | None


class Members:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx

    async def get(self, telegram_id: int) -> Member | None:
        """The active (not revoked) member with this Telegram id; ``None`` for a resident."""
        rows = await self._tx.read(
            "SELECT p.id, p.telegram_id, p.role, p.display_name, m.team, p.language FROM people p"
            " LEFT JOIN memberships m ON m.person_id = p.id"
            " WHERE p.telegram_id = ? AND p.revoked_at IS NULL AND p.role != 'bewoner'",
            (telegram_id,),
        )
        if not rows:
            return None
        first = rows[0]
        teams = frozenset(r[4] for r in rows if r[4] is not None)
        return Member(first[0], first[1], first[2], teams, first[3], first[5])

    async def of_team(self, team: str) -> list[Member]:
        """Active members who work the queue of ``team`` (its team members)."""
        rows = await self._tx.read(
            "SELECT p.telegram_id FROM people p JOIN memberships m ON m.person_id = p.id"
            " WHERE m.team = ? AND p.role = 'teamlid' AND p.revoked_at IS NULL"
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
            "SELECT p.id, p.telegram_id, p.role, p.display_name, m.team, p.language FROM people p"
            " LEFT JOIN memberships m ON m.person_id = p.id WHERE p.telegram_id = ?",
            (telegram_id,),
        )
        teams = frozenset(r[4] for r in rows if r[4] is not None)
        return Member(rows[0][0], rows[0][1], rows[0][2], teams, rows[0][3], rows[0][5])

    async def create_invite(
        self, code: str, role: str, team: str | None, now: datetime, expires_at: datetime
    ) -> None:
        await self._tx.write(
            "INSERT INTO invites (code, role, team, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (code, role, team, to_db_time(now), to_db_time(expires_at)),
        )

    async def invite(self, code: str) -> Invite | None:
        rows = await self._tx.read(
            "SELECT code, role, team, expires_at, used_at FROM invites WHERE code = ?", (code,)
        )
        if not rows:
            return None
        r = rows[0]
        return Invite(r[0], r[1], r[2], from_db_time(r[3]), from_db_time(r[4]) if r[4] else None)

    async def redeem(
        self, invite: Invite, person_id: int, display_name: str | None, now: datetime
    ) -> None:
        """Use ``invite`` for the person: set the role and the team, once."""
        await self._tx.write(
            "UPDATE invites SET used_at = ?, used_by = ? WHERE code = ? AND used_at IS NULL",
            (to_db_time(now), person_id, invite.code),
        )
        await self._tx.write(
            "UPDATE people SET role = ?, revoked_at = NULL,"
            " display_name = COALESCE(?, display_name) WHERE id = ?",
            (invite.role, display_name, person_id),
        )
        if invite.role in ("raadslid", "coordinator"):
            await self._tx.write("DELETE FROM memberships WHERE person_id = ?", (person_id,))
        if invite.team:
            await self._tx.write(
                "INSERT OR IGNORE INTO memberships (person_id, team) VALUES (?, ?)",
                (person_id, invite.team),
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

    async def log_view(self, signal_id: int, person_id: int, now: datetime) -> None:
        """Record that a member saw a signal's personal data."""
        await self._tx.write(
            "INSERT INTO signal_views (signal_id, person_id, at) VALUES (?, ?, ?)",
            (signal_id, person_id, to_db_time(now)),
        )

    async def views(self, signal_id: int) -> list[tuple[int, datetime]]:
        rows = await self._tx.read(
            "SELECT p.telegram_id, v.at FROM signal_views v JOIN people p ON p.id = v.person_id"
            " WHERE v.signal_id = ? ORDER BY v.id",
            (signal_id,),
        )
        return [(r[0], from_db_time(r[1])) for r in rows]
