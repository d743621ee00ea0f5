"""``wijksignaal run`` as a subprocess against a local Bot API stand-in: a report over
long polling, a kill in the middle and a restart, redelivered updates handled once, and a clean
stop on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE_CONFIG
from tests.e2e.botapi_stub import BotApiStub

CHAT = 424242


def start_bot(stub: BotApiStub, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(EXAMPLE_CONFIG),
            "--db",
            str(db),
            "--api-base-url",
            stub.base_url,
        ],
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "123456:STUB"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_report_over_polling_survives_a_kill_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    with BotApiStub() as stub:
        bot = start_bot(stub, db)
        try:
            stub.push_text(CHAT, "/start")
            stub.wait_for_text("Over wie gaat het?")
            stub.push_tap(CHAT, "Over mijzelf")
            stub.wait_for_text("Wat is er aan de hand?")
            stub.push_text(CHAT, "Ik zit de hele dag alleen en zie niemand meer.")
            stub.wait_for_text("Waar gaat het vooral over?")
        finally:
            bot.kill()  # no goodbye: as if the machine died
            bot.wait(timeout=10)

        # The last update was handled, but its confirmation was lost: Telegram sends it again.
        stub.redeliver_last()
        sent_before_restart = len(stub.sent)
        bot = start_bot(stub, db)
        try:
            stub.push_tap(CHAT, "Eenzaamheid")
            stub.wait_for_text("Is er nu direct gevaar?", after=sent_before_restart)
            categories = [
                m for m in stub.sent if m["text"].startswith("Waar gaat het vooral over?")
            ]
            assert len(categories) == 1, "the redelivered text was not answered a second time"
            stub.push_tap(CHAT, "Nee")
            stub.wait_for_text("Wat is de postcode")
            stub.push_tap(CHAT, "Weet ik niet")
            stub.wait_for_text("Mogen wij uw melding bewaren")
            stub.push_tap(CHAT, "Ja, dat is goed")
            stub.wait_for_text("Mag het wijkteam contact")
            stub.push_tap(CHAT, "Via deze chat")
            stub.wait_for_text("vrijwilliger")
            stub.push_tap(CHAT, "Nee, liever niet")
            stub.wait_for_text("Klopt alles?")
            stub.push_tap(CHAT, "Versturen")
            done = stub.wait_for_text("Uw melding is verstuurd")
            assert "Sociaal wijkteam Centraal (intake)" in done["text"]
            assert "answerCallbackQuery" in stub.calls
        finally:
            bot.send_signal(signal.SIGTERM)
            _out, err = bot.communicate(timeout=30)
        assert bot.returncode == 0, err
        assert "Traceback" not in err
