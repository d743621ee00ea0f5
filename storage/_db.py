"""The SQLite connection, its migrations and the one-transaction-per-turn context."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.errors import StorageError
from storage._tx import Tx

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, Path]]:
    """The numbered migration files, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return found


class Database:
    """An open SQLite database in WAL mode with foreign keys on, migrated to the newest schema."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        """Open (creating if needed) and migrate the database at ``path``."""
        path = str(path)
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StorageError(f"{path}: {exc.strerror}") from None
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"{path}: {exc}") from None
        db = cls(conn, path)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await db._migrate()
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"{path}: {exc}") from None
        return db

    async def _migrate(self) -> None:
        version = await self.schema_version()
        for number, file in migrations():
            if number <= version:
                continue
            script = file.read_text(encoding="utf-8")
            # PRAGMA takes no parameters; the number comes from our own file name.
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number:d};\nCOMMIT;"
            )

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One turn's unit of work (see :class:`Tx`): committed at the end, rolled back on error."""
        async with self._lock:
            tx = Tx(self._conn)
            try:
                yield tx
            except BaseException:
                await tx.abort()
                raise
            try:
                await tx.finish()
            except sqlite3.Error as exc:
                await tx.abort()
                raise StorageError(f"{self.path}: {exc}") from None

    async def close(self) -> None:
        await self._conn.close()
