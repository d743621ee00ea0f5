"""``wijksignaal run`` as a subprocess against a local Bot API stand-in: a report over
long polling, a kill in the middle and a restart, redelivered updates handled once, and a clean
stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLE_CONFIG, TEST_KEY
from tests.e2e.botapi_stub import BotApiStub

CHAT = 424242
# A whole report: what the resident types or taps, and a fragment of the bot's answer.
REPORT = [
    ("/start", "Over wie gaat het?"),
    ("Over mijzelf", "Wat is er aan de hand?"),
    ("Ik zit de hele dag alleen en zie niemand meer.", "Gaat het over iemand die eenzaam is?"),
    ("Ja", "Is er nu direct gevaar?"),
    ("Nee", "Wat is de postcode"),
    ("Weet ik niet", "Mogen wij uw melding bewaren"),
    ("Ja, dat is goed", "Mag het wijkteam contact"),
    ("Via deze chat", "vrijwilliger"),
    ("Nee, liever niet", "Klopt alles?"),
    ("Versturen", "Uw melding is verstuurd"),
]


def start_bot(stub: BotApiStub, db: Path, config: Path = EXAMPLE_CONFIG) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            "--db",
            str(db),
            "--api-base-url",
            stub.base_url,
        ],
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "123456:STUB", "WIJKSIGNAAL_KEY": TEST_KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_until_queue_empty(db: Path, seconds: float = 10) -> None:
    """Until every reply sent was also marked as accepted in the database."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with sqlite3.connect(db) as conn:
            if conn.execute("SELECT count(*) FROM reply_queue").fetchone()[0] == 0:
                return
        time.sleep(0.05)
    raise AssertionError("replies stayed queued")


def test_a_report_over_polling_survives_a_kill_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    with BotApiStub() as stub:
        bot = start_bot(stub, db)
        try:
            stub.exchange(CHAT, REPORT[:3])
            # Killed after the last reply left the queue: the duplicate this test is about is
            # the update's, not a reply's (killed in between, a reply goes twice; see README).
            wait_until_queue_empty(db)
        finally:
            bot.kill()  # no goodbye: as if the machine died
            bot.wait(timeout=10)

        # The last update was handled, but its confirmation was lost: Telegram sends it again.
        stub.redeliver_last()
        bot = start_bot(stub, db)
        try:
            done = stub.exchange(CHAT, REPORT[3:])
            assert "Sociaal wijkteam Centraal (intake)" in done["text"]
            categories = [m for m in stub.sent if m["text"].startswith("Gaat het over")]
            assert len(categories) == 1, "the redelivered text was not answered a second time"
            assert "answerCallbackQuery" in stub.calls
        finally:
            bot.send_signal(signal.SIGTERM)
            _out, err = bot.communicate(timeout=30)
        assert bot.returncode == 0, err
        assert "Traceback" not in err
