"""Encryption at rest: no plaintext in the file, a wrong key stops everything, rotation."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.errors import ConfigError
from bot.keys import write_new_key
from storage import Cipher, Database, WrongKeyError
from tests.conftest import TEST_KEY, Chat

PHONE_DIGITS = b"612345678"


async def full_report(
    tmp_path: Path, make_engine: Callable[..., Engine], key: str = TEST_KEY
) -> Path:
    path = tmp_path / "secret.db"
    db = await Database.open(path, cipher=Cipher([key]))
    chat = Chat(make_engine(db))
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik ben erg eenzaam en mijn dochter Saskia komt nooit meer.")
    await chat.tap("Ja")
    await chat.tap("Nee")
    await chat.say("1503 AB")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Bel mij")
    await chat.say("06 12345678")
    await chat.tap("Nee, liever niet")
    await chat.tap("Versturen")
    assert "Uw melding is verstuurd" in chat.text
    await db.close()
    return path


def raw_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_the_database_file_holds_no_plaintext(
    tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """Description, phone number and full postcode are only in the file as ciphertext."""
    path = await full_report(tmp_path, make_engine)
    data = raw_bytes(path)
    assert b"Saskia" not in data and b"eenzaam en mijn" not in data
    assert PHONE_DIGITS not in data and b"1503AB" not in data
    db = await Database.open(path, cipher=Cipher([TEST_KEY]))
    async with db.transaction() as tx:
        (signal,) = await tx.signals.all()
    await db.close()
    assert "Saskia" in signal.description and signal.contact_phone == "+31612345678"


async def test_a_wrong_key_stops_before_anything_is_read_or_written(
    tmp_path: Path,
    make_engine,
) -> None:
    path = await full_report(tmp_path, make_engine)
    before = path.read_bytes()
    with pytest.raises(WrongKeyError):
        await Database.open(path, cipher=Cipher([Cipher.generate()]))
    assert path.read_bytes() == before


async def test_rotation_re_encrypts_everything_under_the_new_key(
    tmp_path: Path,
    make_engine,
) -> None:
    path = await full_report(tmp_path, make_engine)
    new = Cipher.generate()
    db = await Database.open(path, cipher=Cipher([TEST_KEY]))
    assert await db.rotate_key(Cipher([new, TEST_KEY])) >= 3
    await db.close()
    with pytest.raises(WrongKeyError):
        await Database.open(path, cipher=Cipher([TEST_KEY]))
    db = await Database.open(path, cipher=Cipher([new]))
    async with db.transaction() as tx:
        (signal,) = await tx.signals.all()
    await db.close()
    assert signal.contact_phone == "+31612345678"


def test_a_key_file_is_private_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "w.key"
    path.parent.mkdir()
    key = write_new_key(path)
    assert Cipher([key]).decrypt(Cipher([key]).encrypt("x")) == "x"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ConfigError):
        write_new_key(path)
    assert path.read_text().strip() == key


def test_a_malformed_key_is_refused() -> None:
    with pytest.raises(WrongKeyError):
        Cipher(["not a key"])
