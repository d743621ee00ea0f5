"""Every query the bot runs finds its rows through an index: ``EXPLAIN QUERY PLAN`` on each.

The statements are not listed by hand: a day of work (reports, the queue, a signal's view and
history, picking up and closing, a message to the reporter, check-ins, held messages, digests,
the wijkbeeld, the rights, the sweep, retention, the export, the command line's lists, the offer
after a report and at closing) runs with SQLite's trace on, and every statement it ran is
explained. A full scan of a table that grows with use fails, as does a foreign key whose child
column leads no index (every delete of its parent would scan).
"""

from __future__ import annotations

import io
import re
import sqlite3
from datetime import datetime, timedelta

from bot.checkins import Checkins, hold_back
from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine, Reply
from bot.exporting import write
from bot.retention import purge_by_config
from storage import Database
from tests.conftest import AMS, Chat
from tests.test_offer_desk import close_collectively
from tests.test_team import claim_and_close, join, report

# Tables that grow with residents, signals or time; the others hold a handful of rows.
GROWING = frozenset(
    {
        "signals",
        "signal_events",
        "consents",
        "checkins",
        "signal_views",
        "conversations",
        "outbox",
        "people",
        "memberships",
        "invites",
        "code_attempts",
        "inbox",
        "reply_queue",
        "feedback",
        "digests",
        "purge_runs",
        "signal_offers",
    }
)
_SCAN = re.compile(r"^SCAN (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX (\w+))?")


async def partial_indexes(db: Database) -> set[str]:
    async with db.transaction() as tx:
        rows = await tx.read("SELECT name, sql FROM sqlite_master WHERE type = 'index'")
    return {name for name, sql in rows if sql and " WHERE " in sql.upper()}


def full_scans(conn: sqlite3.Connection, sql: str, partial: set[str]) -> list[str]:
    """The plan lines of ``sql`` that read a whole growing table (or a whole full index)."""
    found = []
    for _id, _parent, _notused, detail in conn.execute("EXPLAIN QUERY PLAN " + sql):
        match = _SCAN.match(detail)
        if match is None:
            continue
        table, index = match.groups()
        if table in GROWING and (index is None or index not in partial):
            found.append(detail)
    return found


async def a_day_of_work(engine: Engine, config: Config, clock: FakeClock) -> None:
    """Everything the bot and its commands do to the database, once."""
    engine.durable = True  # the Telegram channel: the inbox and the reply queue too
    sent: list[Reply] = []

    async def deliver(reply: Reply) -> bool:
        sent.append(reply)
        return True

    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    member = await join(engine, 500, "teamlid", "zaandam-noord", "Anna")
    coordinator = await join(engine, 600, "coordinator", None, "Cor")
    resident = Chat(engine, 42)
    ref = await report(engine, resident)
    await resident.tap("Ja, graag")  # the offer after the report
    await resident.command("/buurt 1503 AB")
    await resident.tap("Eenzaamheid")
    other = await report(engine, Chat(engine, 43))
    await member.command("/wachtrij")
    await member.command("/wachtrij mijn")
    await member.command("/wachtrij over tijd")
    await coordinator.command("/wachtrij")
    await member.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    await member.tap("Bericht aan melder")
    await member.say("Wij komen dinsdag langs.")
    await member.tap("Versturen")
    await member.command("/digest")
    await member.command("/wijkbeeld")
    await coordinator.command("/wijkbeeld zaandam-noord 2026Q3")
    await resident.command("/mijngegevens")
    async with engine.db.transaction() as tx:
        await hold_back(tx, 42, "Een bericht van de nacht.", clock.now())
        await tx.inbox.pending()
        await tx.reply_queue.pending(clock.now())
        await tx.members.all()
        await tx.members.open_invites(clock.now())
    clock.advance(timedelta(days=7))
    checkins = Checkins(config)
    await checkins.send_due(engine, deliver)
    await Digests(config).deliver_due(engine, deliver)
    await resident.command("/intrekken")
    await resident.tap("Contact met u opnemen")
    await claim_and_close(member, other)
    third = await report(engine, Chat(engine, 46))
    await close_collectively(member, third)
    await member.tap("Koffieochtend")
    await member.tap("Geen notitie")
    await Chat(engine, 44).command("/start")
    clock.advance(timedelta(days=2))
    await engine.expire_stale()
    await Chat(engine, 45).command("/verwijderen")
    await write(engine.db, "csv", io.StringIO(), with_personal_data=True)
    clock.advance(timedelta(days=6 * 365))
    await purge_by_config(engine.db, config, clock.now())
    leaving = Chat(engine, 43)
    await leaving.command("/verwijderen")
    await leaving.tap("Ja, haal het weg")


async def test_no_statement_of_a_day_scans_a_growing_table(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Every statement run during a day of work reads its growing tables through an index (a
    partial index counts: it holds only the rows that qualify)."""
    statements: list[str] = []
    conn = engine.db.connection
    await conn.set_trace_callback(statements.append)
    await a_day_of_work(engine, config, clock)
    await conn.set_trace_callback(None)  # type: ignore[arg-type]
    partial = await partial_indexes(engine.db)
    plain = sqlite3.connect(engine.db.path)
    offenders = {}
    explained = 0
    for sql in dict.fromkeys(statements):
        head = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if head not in ("SELECT", "UPDATE", "DELETE", "INSERT", "WITH"):
            continue  # BEGIN, COMMIT, PRAGMA, and trigger lines ("-- TRIGGER ...")
        explained += 1
        scans = full_scans(plain, sql, partial)
        if scans:
            offenders[sql] = scans
    plain.close()
    assert explained > 60, f"the day ran only {explained} distinct statements"
    assert sum("signal_offers" in sql for sql in statements) >= 4, "the offer's own queries"
    assert offenders == {}


async def test_every_foreign_key_leads_an_index(db: Database) -> None:
    """Deleting a person or a signal finds the rows that point at it through an index."""
    plain = sqlite3.connect(db.path)
    missing = []
    tables = [r[0] for r in plain.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        leading = {
            plain.execute(f"PRAGMA index_info('{index[1]}')").fetchone()[2]
            for index in plain.execute(f"PRAGMA index_list('{table}')")
        }
        for key in plain.execute(f"PRAGMA foreign_key_list('{table}')"):
            if key[3] not in leading:
                missing.append(f"{table}.{key[3]} -> {key[2]}")
    plain.close()
    assert missing == []


def test_the_scan_check_itself_tells_a_scan_from_a_search(tmp_path: object) -> None:
    """The checker above fails a plain scan and a full-index scan, and passes a search and a
    partial index, so the test can fail."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE signals (id INTEGER PRIMARY KEY, team TEXT, status TEXT)")
    conn.execute("CREATE INDEX by_team ON signals (team)")
    conn.execute("CREATE INDEX open_ones ON signals (id) WHERE status != 'afgerond'")
    assert full_scans(conn, "SELECT * FROM signals WHERE status = 'x'", set()) == ["SCAN signals"]
    assert full_scans(conn, "SELECT id FROM signals WHERE team = 'a'", set()) == []
    assert (
        full_scans(
            conn, "SELECT id FROM signals WHERE status != 'afgerond' ORDER BY id", {"open_ones"}
        )
        == []
    )
    assert full_scans(conn, "SELECT team FROM signals ORDER BY team", set()) != []
