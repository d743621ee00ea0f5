"""Privacy kept as promised: the full postcode is never in plain text (database files, log,
export without ``--with-personal-data``), and retention removes every copy a year after
closing; old databases lose it from their route reasons by migration 0014."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import assembly
from bot.channels.telegram_offline import OfflineChat
from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine, Flow
from bot.exporting import export
from bot.language import Language
from bot.retention import purge_by_config
from storage import Cipher, Database, migrations
from tests.conftest import Chat, report_until_consent, report_until_where
from tests.test_team import claim_and_close, join

MEMBER = 500
# The distinctive full postcodes of the reports below, found in any spacing and case.
FULL = {"1503 XQ": re.compile(rb"1503\s*xq", re.I), "1504 QZ": re.compile(rb"1504\s*qz", re.I)}


def full_postcodes_in(data: bytes) -> list[str]:
    """Which of the full postcodes appear in ``data`` (bytes of a file, a log, an export)."""
    return [postcode for postcode, pattern in FULL.items() if pattern.search(data)]


def database_bytes(path: str) -> bytes:
    """The database file with its write-ahead log and shared-memory file, as on disk."""
    files = sorted(Path(path).parent.glob(Path(path).name + "*"))
    assert Path(path) in files
    return b"".join(p.read_bytes() for p in files)


async def exports(db: Database, *, with_personal_data: bool) -> bytes:
    json_text = await export(db, "json", with_personal_data=with_personal_data)
    csv_text = await export(db, "csv", with_personal_data=with_personal_data)
    return (json_text + csv_text).encode()


async def report(
    chat: OfflineChat, about: str, postcode: str, *, named: bool, contact: str = "Via deze chat"
) -> str:
    """A report through the real Application; its reference."""
    await chat.send("/start")
    await chat.tap(about)
    await chat.send("Ik ben erg eenzaam sinds mijn man is overleden.")
    await chat.tap("Ja")
    await chat.tap("Nee")
    if about == "Over iemand anders":
        await chat.tap("Nee")
    await chat.send(postcode)
    if named:
        await chat.tap("Ja, dat is goed")
        await chat.tap(contact)
        if contact == "Bel mij":
            await chat.send("06 12345678")
        await chat.tap("Nee, liever niet")
    else:
        await chat.tap("Nee, liever niet")
        await chat.tap("Ja, zonder naam melden")
    sent = await chat.tap("Versturen")
    return str(sent[0]["text"]).split("Uw nummer is ")[1].split(".")[0]


async def test_the_full_postcode_is_in_no_file_log_or_export_and_retention_clears_it(
    telegram: OfflineChat,
    engine: Engine,
    config: Config,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Three reports with a full postcode, written "1503 XQ", "1504qz" and "1503XQ", named
    and anonymous, through the real Application (the inbox and the reply queue in every
    turn), looked at by the team: the database files (file, log, shared memory, before and
    after a checkpoint), the log and the export without the flag hold no full postcode; with
    the flag the export does, for the named reports. A year after closing, retention leaves
    none anywhere, with the flag too."""
    # The level `wijksignaal run` logs at (bot/cli.py). At DEBUG, python-telegram-bot itself
    # logs every Bot API call with the message text; the bot never runs so.
    caplog.set_level(logging.INFO)
    other = OfflineChat(telegram.app, telegram.request, telegram.chat_id + 1)
    third = OfflineChat(telegram.app, telegram.request, telegram.chat_id + 2)
    refs = [
        await report(telegram, "Over mijzelf", "1503 XQ", named=True),
        await report(other, "Over iemand anders", "1504qz", named=False),
        await report(third, "Over de buurt", "1503XQ", named=True, contact="Bel mij"),
    ]
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    for ref in refs:
        await member.command(f"/signaal {ref}")
    assert "Postcode: 1503XQ" in member.last, "the team sees the full postcode where agreed"
    db = engine.db

    raw = database_bytes(db.path)
    assert b"Postcode 1503 valt onder Sociaal wijkteam Zaandam-Noord" in raw, "plain columns read"
    assert full_postcodes_in(raw) == []
    await db.checkpoint()
    assert full_postcodes_in(database_bytes(db.path)) == []
    assert full_postcodes_in(caplog.text.encode()) == []
    assert full_postcodes_in(await exports(db, with_personal_data=False)) == []
    assert full_postcodes_in(await exports(db, with_personal_data=True)) == ["1503 XQ"]

    for ref in refs:
        await claim_and_close(member, ref)
    clock.advance(config.anonymise_after + timedelta(days=1))
    await purge_by_config(db, config, clock.now())
    assert full_postcodes_in(database_bytes(db.path)) == []
    assert full_postcodes_in(await exports(db, with_personal_data=False)) == []
    assert full_postcodes_in(await exports(db, with_personal_data=True)) == []
    async with db.transaction() as tx:
        events = [e for s in await tx.signals.all() for e in await tx.signals.events(s.id)]
    assert all(e.note is None for e in events if e.kind == "aangemaakt")
    exported = json.loads(await export(db, "json", with_personal_data=True))
    assert [r["postcode"] for r in exported] == [None, None, None]
    assert [r["postcode4"] for r in exported] == ["1503", "1504", "1503"]


OLD_REASONS = {
    1: "Postcode 1503 XQ valt onder Sociaal wijkteam Zaandam-Noord",
    2: "Postcode 1504qz valt onder Sociaal wijkteam Zaandam-Noord",
    3: "Postcode 1504 QZ valt onder geen enkel team: naar Sociaal wijkteam Centraal (intake)",
    4: "Postcode 1505 valt onder meer dan één team: naar Sociaal wijkteam Centraal (intake)",
    5: "Geen postcode bekend: naar Sociaal wijkteam Centraal (intake)",
    6: "Soort zorg 'Zorgen over kinderen' gaat naar Sociaal wijkteam Jeugd",
}


def old_database(path: Path, cipher: Cipher) -> None:
    """A database of schema 13 as the bot left it before migration 0014: route reasons with
    the full postcode, and the first event's encrypted copy of each, all closed long ago."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    for number, file in migrations():
        if number <= 13:
            conn.executescript(file.read_text(encoding="utf-8"))
    conn.execute("PRAGMA user_version = 13")
    closed = "2025-01-01T00:00:00+00:00"
    for signal_id, reason in OLD_REASONS.items():
        conn.execute(
            "INSERT INTO signals (id, ref, created_at, category, team, status, about,"
            " description, postcode4, anonymous, source, deadline, route_reason, language,"
            " closed_at) VALUES (?, ?, ?, 'eenzaamheid', 'zaandam-noord', 'afgerond', 'zelf',"
            " ?, '1503', 0, 'bewoner', '2025-01-03', ?, 'nl', ?)",
            (signal_id, f"WS-2025-{signal_id:05d}", closed, cipher.encrypt("d"), reason, closed),
        )
        conn.execute(
            "INSERT INTO signal_events (signal_id, at, actor, kind, to_status, note)"
            " VALUES (?, ?, 'bewoner', 'aangemaakt', 'nieuw', ?)",
            (signal_id, closed, cipher.encrypt(reason)),
        )
    conn.commit()
    conn.close()


async def test_migration_14_keeps_only_the_pc4_in_stored_route_reasons(
    tmp_path: Path, config: Config, cipher: Cipher
) -> None:
    """A database made before: after opening (which migrates), every route reason names the
    PC4 only and the others are as they were; the full postcode is in none of the files any
    more; retention then clears the first events' encrypted copies of the old reasons."""
    path = tmp_path / "old.db"
    old_database(path, cipher)
    assert full_postcodes_in(database_bytes(str(path))) == ["1503 XQ", "1504 QZ"]
    db = await Database.open(path, cipher=cipher)
    async with db.transaction() as tx:
        reasons = dict(await tx.read("SELECT id, route_reason FROM signals ORDER BY id"))
    assert reasons == {
        1: "Postcode 1503 valt onder Sociaal wijkteam Zaandam-Noord",
        2: "Postcode 1504 valt onder Sociaal wijkteam Zaandam-Noord",
        3: "Postcode 1504 valt onder geen enkel team: naar Sociaal wijkteam Centraal (intake)",
        4: OLD_REASONS[4],
        5: OLD_REASONS[5],
        6: OLD_REASONS[6],
    }
    assert full_postcodes_in(database_bytes(db.path)) == []
    assert full_postcodes_in(await exports(db, with_personal_data=False)) == []
    await purge_by_config(db, config, datetime(2026, 11, 23, tzinfo=UTC))
    async with db.transaction() as tx:
        notes = await tx.read("SELECT note FROM signal_events WHERE kind = 'aangemaakt'")
    await db.close()
    assert notes and all(n == (None,) for n in notes)


async def test_a_report_about_someone_else_routes_with_the_pc4_in_the_reason(
    engine: Engine,
) -> None:
    """Also an anonymous report, whose full postcode is not kept at all: the reason stored
    with the signal (and shown to the team) names the PC4 only."""
    chat = Chat(engine)
    await report_until_consent(chat, about="Over iemand anders", postcode="1504 QZ")
    await chat.tap("Nee, liever niet")
    await chat.tap("Ja, zonder naam melden")
    await chat.tap("Versturen")
    async with engine.db.transaction() as tx:
        (signal,) = await tx.signals.all()
    assert signal.anonymous and signal.postcode is None
    assert signal.route_reason == "Postcode 1504 valt onder Sociaal wijkteam Zaandam-Noord"


# -- "Weet deze persoon dat u dit meldt? -> Nee": is the reporter's name told? -------------


@pytest.mark.parametrize(
    ("tell", "said", "unsaid"),
    [
        (
            False,
            "Het team zegt dan niet wie het heeft gemeld. Uw naam blijft bij het team.",
            "Het noemt dus uw naam.",
        ),
        (
            True,
            "Het team zegt dan ook wie het heeft gemeld. Het noemt dus uw naam.",
            "Uw naam blijft bij het team.",
        ),
    ],
)
async def test_the_reporter_hears_whether_the_person_is_told_their_name(
    db: Database,
    config: Config,
    clock: FakeClock,
    flows: dict[str, Flow],
    language: Language,
    tell: bool,
    said: str,
    unsaid: str,
) -> None:
    """After "Nee" the reporter reads that the team tells the person within a month, and, as
    the municipality set ``tell_reporter_name``, whether it names them (when it does: how to
    report without a name); then the report goes on with the postcode."""
    chosen = dataclasses.replace(config, tell_reporter_name=tell)
    chat = Chat(assembly.build_engine(db, chosen, clock, flows, language=language))
    await report_until_where(chat, "Over iemand anders", knows="Nee")
    told, question = chat.replies
    assert told.text.startswith(
        "Dat is goed. Het wijkteam vertelt het deze persoon zelf. Dat doet het binnen een maand."
    )
    assert said in told.text and unsaid not in told.text
    assert ("zonder naam melden" in told.text) is tell
    assert question.text.startswith("Wat is de postcode van het adres?")
