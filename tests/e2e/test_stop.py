"""``wijksignaal run`` asked to stop (SIGTERM) in the middle of a long check-in pass: it stops
within seconds, between two sends, and no check-in is marked sent without its message either
delivered or queued; after a restart every check-in reached its resident exactly once."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.checkins import plan
from storage import Cipher, Database, NewSignal
from tests.conftest import EXAMPLE_CONFIG, TEST_KEY
from tests.e2e.botapi_stub import BotApiStub
from tests.e2e.test_telegram_run import start_bot, wait_until_queue_empty

RESIDENTS = [8_000 + n for n in range(300)]
OFFER_FILE = EXAMPLE_CONFIG.parent / "aanbod.toml"
QUESTION = "Hoe gaat het nu?"


async def due_checkins(db_path: Path) -> None:
    """One report per resident, with contact through the chat, and its check-in due now."""
    db = await Database.open(db_path, cipher=Cipher([TEST_KEY]))
    now = datetime.now(UTC)
    async with db.transaction() as tx:
        for n, chat in enumerate(RESIDENTS):
            person = await tx.people.ensure(chat, "nl", now)
            signal_id = await tx.signals.create(
                NewSignal(
                    created_at=now - timedelta(days=8),
                    category="eenzaamheid",
                    team="zaandam-noord",
                    about="zelf",
                    description="Ik ben eenzaam.",
                    postcode="1503 AB",
                    postcode4="1503",
                    anonymous=False,
                    source="bewoner",
                    reporter_id=person.id,
                    subject_knows=None,
                    contact_method="chat",
                    contact_phone=None,
                    deadline=date.today(),
                    route_reason="postcode",
                    language="nl",
                ),
                f"WS-2026-{n + 1:05d}",
                "melder",
            )
            await plan(tx, signal_id, "na_melding", now - timedelta(minutes=5))
    await db.close()


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def asked(stub: BotApiStub) -> Counter[int]:
    return Counter(m["chat_id"] for m in stub.sent if QUESTION in m.get("text", ""))


def test_sigterm_in_a_long_check_in_pass_stops_between_two_sends(tmp_path: Path) -> None:
    """Three hundred check-ins due, each send slowed to 50 ms: SIGTERM after the first twenty
    stops the bot within five seconds with exit status 0. Every check-in marked sent was either
    delivered or is still queued; the rest wait. Started again, the bot sends the queued ones
    and the rest: every resident is asked exactly once."""
    db = tmp_path / "bot.db"
    config = tmp_path / "config.toml"
    # Quiet hours off: the test may run at night.
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace('quiet_hours = "21:00-09:00"', 'quiet_hours = ""')
    # The offer file is named relative to the config: here the example's, wherever this is.
    config.write_text(text.replace('file = "aanbod.toml"', f'file = "{OFFER_FILE}"'))
    asyncio.run(due_checkins(db))
    with BotApiStub() as stub:
        stub.send_delay = 0.05
        bot = start_bot(stub, db, config)
        deadline = time.monotonic() + 60
        while sum(asked(stub).values()) < 20:
            assert bot.poll() is None, bot.communicate()[1]
            assert time.monotonic() < deadline, "the check-in pass did not start"
            time.sleep(0.05)
        asked_at_stop = sum(asked(stub).values())
        stop_asked = time.monotonic()
        bot.send_signal(signal.SIGTERM)
        _out, err = bot.communicate(timeout=30)
        stopped_after = time.monotonic() - stop_asked
        assert bot.returncode == 0, err
        assert stopped_after < 5, f"stopped after {stopped_after:.1f} s"
        assert "Traceback" not in err
        sent_rows = rows(
            db,
            "SELECT p.telegram_id FROM checkins c JOIN signals s ON s.id = c.signal_id"
            " JOIN people p ON p.id = s.reporter_id WHERE c.state = 'verstuurd'",
        )
        marked = {int(r[0]) for r in sent_rows}  # type: ignore[call-overload]
        queued = {int(r[0]) for r in rows(db, "SELECT chat_id FROM reply_queue")}  # type: ignore[call-overload]
        delivered = asked(stub)
        assert len(marked) < len(RESIDENTS), "the pass ran to its end: nothing was tested"
        assert asked_at_stop <= len(marked)
        assert marked <= set(delivered) | queued, "marked sent, never sent nor queued"
        assert set(delivered) <= marked
        assert max(delivered.values()) == 1

        bot = start_bot(stub, db, config)
        deadline = time.monotonic() + 90
        while len(asked(stub)) < len(RESIDENTS):
            assert bot.poll() is None, bot.communicate()[1]
            assert time.monotonic() < deadline, f"only {len(asked(stub))} asked"
            time.sleep(0.1)
        wait_until_queue_empty(db)
        bot.send_signal(signal.SIGTERM)
        _out, err = bot.communicate(timeout=30)
    assert bot.returncode == 0, err
    assert set(asked(stub).values()) == {1}, "every resident asked exactly once"
