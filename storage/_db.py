"""The SQLite connection, its migrations and the one-transaction-per-turn context."""

from __future__ import annotations

import asyncio
import errno
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from bot.errors import StorageError
from storage._conversations import ConversationCache
from storage._crypto import CHECK_PLAINTEXT, Cipher, WrongKeyError
from storage._tx import Tx

# SQLite's primary result codes for a file it cannot write, as the errno an OSError carries.
_SQLITE_ERRNO = {
    3: errno.EACCES,  # SQLITE_PERM
    8: errno.EROFS,  # SQLITE_READONLY
    13: errno.ENOSPC,  # SQLITE_FULL
}
# Every column that holds a Fernet token (names from our own schema, never from input).
ENCRYPTED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("signals", "description"),
    ("signals", "contact_phone"),
    ("signals", "postcode"),
    ("signal_events", "note"),
    ("conversations", "data"),
    ("feedback", "went_well"),
    ("feedback", "could_be_better"),
    ("outbox", "text"),
    ("inbox", "raw"),
    ("reply_queue", "payload"),
    ("signal_offers", "name"),
)

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

    def __init__(self, conn: aiosqlite.Connection, path: str, cipher: Cipher) -> None:
        self._conn = conn
        self.path = path
        self.cipher = cipher
        self._lock = asyncio.Lock()
        # The states of the most recently active chats, written through (storage/_conversations.py).
        self.conversation_cache = ConversationCache()

    @property
    def connection(self) -> aiosqlite.Connection:
        """The aiosqlite connection itself: for tracing statements (tests, benchmarks)."""
        return self._conn

    @classmethod
    async def open(cls, path: str | Path, *, cipher: Cipher) -> Database:
        """Open (creating if needed) and migrate the database at ``path``; check the key."""
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
        db = cls(conn, path, cipher)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA busy_timeout = 5000")
            # Deleted content is overwritten with zeros, so retention needs no long VACUUM.
            await conn.execute("PRAGMA secure_delete = ON")
            await db._migrate()
            await db._check_key()
        except sqlite3.Error as exc:
            await conn.close()
            raise StorageError(f"{path}: {exc}") from None
        except StorageError:
            await conn.close()
            raise
        return db

    async def _check_key(self) -> None:
        """A new database remembers a check value; an existing one must decrypt it."""
        rows = list(
            await self._conn.execute_fetchall("SELECT value FROM meta WHERE key = 'key_check'")
        )
        if not rows:
            token = self.cipher.encrypt(CHECK_PLAINTEXT)
            await self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('key_check', ?)", (token,)
            )
            return
        try:
            fits = self.cipher.decrypt(rows[0][0]) == CHECK_PLAINTEXT
        except WrongKeyError:
            fits = False
        if not fits:
            raise WrongKeyError(f"{self.path}: the key does not fit this database")

    async def rotate_key(self, both: Cipher) -> int:
        """Re-encrypt every encrypted value with the first key of ``both`` (new, then old), in
        one transaction; the number of values re-encrypted."""
        count = 0
        async with self.transaction() as tx:
            for table, column in ENCRYPTED_COLUMNS:
                rows = await tx.read(
                    f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL"
                )
                for rowid, value in rows:
                    await tx.write(
                        f"UPDATE {table} SET {column} = ? WHERE rowid = ?",
                        (both.rotate(value), rowid),
                    )
                    count += 1
            await tx.write(
                "UPDATE meta SET value = ? WHERE key = 'key_check'",
                (both.encrypt(CHECK_PLAINTEXT),),
            )
        self.cipher = both
        return count

    async def _migrate(self) -> None:
        version = await self.schema_version()
        ran = False
        for number, file in migrations():
            if number <= version:
                continue
            script = file.read_text(encoding="utf-8")
            # PRAGMA takes no parameters; the number comes from our own file name.
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number:d};\nCOMMIT;"
            )
            ran = True
        if ran:
            # A migration may rewrite what must not stay readable (migration 0014 takes the
            # full postcode out of route reasons): the old pages leave the log with this.
            await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One turn's unit of work (see :class:`Tx`): committed at the end, rolled back on error."""
        async with self._lock:
            tx = Tx(self._conn, self.cipher, self.conversation_cache)
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
            except BaseException:  # a check of a deferred write (a stale conversation)
                await tx.abort()
                raise

    async def checkpoint(self) -> None:
        """Copy the write-ahead log into the file and empty it: what was deleted is then gone
        from both files (``secure_delete`` overwrote it). Short: the log holds little."""
        async with self._lock:
            await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")

    async def backup(self, out: Path) -> None:
        """A consistent copy at ``out`` with SQLite's online backup, while writes go on.

        A file that cannot be made or written (it exists: a backup never overwrites; a folder
        that may not be written; a full disk) raises :class:`OSError` naming ``out``, with the
        copy made so far removed.
        """
        out.open("xb").close()  # made here, before the long copy: never one over another file
        try:
            async with aiosqlite.connect(out) as target, self._lock:
                await self._conn.backup(target)
        except sqlite3.Error as exc:
            out.unlink(missing_ok=True)  # noqa: ASYNC240 - after a failed copy
            code = _SQLITE_ERRNO.get(getattr(exc, "sqlite_errorcode", 0) & 0xFF, errno.EIO)
            raise OSError(code, str(exc), str(out)) from None

    async def close(self) -> None:
        await self._conn.close()
