"""``wijksignaal run`` against the local Bot API stand-in, killed with SIGKILL at random
moments while twenty residents report at once; and an update the library cannot read, in the
middle of a batch. Nothing lost, nothing stuck (see README, "Betrouwbaarheid")."""

from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.e2e.botapi_stub import BotApiStub
from tests.e2e.test_telegram_run import REPORT, start_bot

REFERENCE = re.compile(r"WS-\d{4}-\d{5}")
RESIDENTS = [7_000 + n for n in range(20)]


def stop(bot: subprocess.Popen[str]) -> str:
    bot.send_signal(signal.SIGTERM)
    _out, err = bot.communicate(timeout=30)
    assert bot.returncode == 0, err
    return err


def rows(db: Path, sql: str) -> list[Any]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_killed_at_random_while_twenty_residents_report_nothing_is_lost(tmp_path: Path) -> None:
    """Twenty residents each go through a whole report, one step after the bot's answer to
    the previous one, while the bot is killed with SIGKILL and started again: three times at
    a chosen moment (Telegram was told an update arrived that was not answered yet: it sits in
    memory) and three times at random. Every resident finishes; every reference shown is
    stored exactly once and each resident was shown exactly one; no update is left unhandled
    or set aside, no reply queued."""
    db = tmp_path / "bot.db"
    chance = random.Random(12)
    kills_left = 3
    chosen_left = 3
    last_update: dict[int, int] = {}
    with BotApiStub() as stub:
        bot = start_bot(stub, db)
        step = dict.fromkeys(RESIDENTS, 0)
        pushed_at = dict.fromkeys(RESIDENTS, 0)
        next_kill = time.monotonic() + chance.uniform(0.5, 3.0)
        deadline = time.monotonic() + 90
        try:
            while any(s <= len(REPORT) for s in step.values()):
                assert time.monotonic() < deadline, f"stuck at {step}"
                for chat in RESIDENTS:
                    at = step[chat]
                    if at > 0:
                        if at > len(REPORT):
                            continue
                        expected = REPORT[at - 1][1]
                        if stub.reply_after(chat, expected, pushed_at[chat]) is None:
                            continue
                    if at == len(REPORT):
                        step[chat] = at + 1
                        continue
                    said = REPORT[at][0]
                    pushed_at[chat] = len(stub.sent)
                    if at in (0, 2, 4, 5):  # typed
                        stub.push_text(chat, said)
                    else:
                        stub.push_tap(chat, said)
                    last_update[chat] = stub.history[-1]["update_id"]
                    step[chat] = at + 1
                in_memory = [
                    chat
                    for chat, update_id in last_update.items()
                    if update_id < stub.offset
                    and 0 < step[chat] <= len(REPORT)
                    and stub.reply_after(chat, REPORT[step[chat] - 1][1], pushed_at[chat]) is None
                ]
                if chosen_left and in_memory:
                    bot.kill()
                    bot.wait(timeout=10)
                    chosen_left -= 1
                    bot = start_bot(stub, db)
                if kills_left and time.monotonic() >= next_kill:
                    bot.kill()  # SIGKILL: no goodbye, updates may wait in memory
                    bot.wait(timeout=10)
                    kills_left -= 1
                    bot = start_bot(stub, db)
                    next_kill = time.monotonic() + chance.uniform(0.3, 2.5)
                time.sleep(0.02)
            assert kills_left == chosen_left == 0, "the run ended before every kill happened"
        finally:
            err = stop(bot) if bot.poll() is None else ""
        shown: dict[int, set[str]] = {chat: set() for chat in RESIDENTS}
        for message in stub.sent:
            if "Uw melding is verstuurd" in message.get("text", ""):
                shown[message["chat_id"]].update(REFERENCE.findall(message["text"]))
    assert all(len(refs) == 1 for refs in shown.values()), shown
    stored = [r[0] for r in rows(db, "SELECT ref FROM signals")]
    assert sorted(stored) == sorted(ref for refs in shown.values() for ref in refs)
    assert len(set(stored)) == len(stored) == 20
    assert rows(db, "SELECT state, count(*) FROM inbox GROUP BY state") == []
    assert rows(db, "SELECT count(*) FROM reply_queue") == [(0,)]
    assert "Traceback" not in err


def wait_for_reply(stub: BotApiStub, chat_id: int, fragment: str, after: int) -> None:
    """Until ``chat_id`` got a message holding ``fragment`` (from index ``after``)."""
    deadline = time.monotonic() + 20
    while stub.reply_after(chat_id, fragment, after) is None:
        assert time.monotonic() < deadline, f"chat {chat_id} was not answered"
        time.sleep(0.05)


def assert_no_busy_loop(stub: BotApiStub) -> None:
    """The poller waits for new updates instead of fetching the same ones again and again."""
    calls_then = stub.calls.count("getUpdates")
    time.sleep(1.5)
    assert stub.calls.count("getUpdates") - calls_then < 10, "no busy loop"


def test_an_unreadable_update_is_set_aside_and_the_rest_is_handled(tmp_path: Path) -> None:
    """An update python-telegram-bot cannot parse, between two good ones in one batch: it is
    logged once by its id (none of its content), set aside as unreadable, and the good ones are
    answered; the poller does not fetch it again."""
    db = tmp_path / "bot.db"
    with BotApiStub() as stub:
        bot = start_bot(stub, db)
        try:
            stub.exchange(1, [("/start", "Over wie gaat het?")])
            after = len(stub.sent)
            stub.push_text(2, "/start")
            stub.push_raw(
                {"message": {"message_id": 1, "date": "straks", "chat": "x", "text": "GEHEIM-06"}}
            )
            stub.push_text(3, "/start")
            stub.wait_for_text("Over wie gaat het?", after=after)
            wait_for_reply(stub, 3, "Over wie gaat het?", after)
            assert stub.reply_after(2, "Over wie gaat het?", after) is not None
            assert_no_busy_loop(stub)
        finally:
            err = stop(bot)
    assert rows(db, "SELECT state, raw, reason FROM inbox") == [("onleesbaar", None, "TypeError")]
    assert err.count("cannot be read") == 1
    assert "GEHEIM" not in err and "straks" not in err


def test_a_lone_surrogate_in_a_batch_stops_nothing(tmp_path: Path) -> None:
    """The measured failure, in the real process: a text holding half a surrogate pair (valid
    JSON, not valid UTF-8) made storing its batch fail, so the poller fetched it again and
    again with a traceback each time and nobody was answered. Now its resident is answered, so
    is the resident after it, nothing is fetched in a busy loop, no traceback is logged and
    the inbox is empty."""
    db = tmp_path / "bot.db"
    with BotApiStub() as stub:
        bot = start_bot(stub, db)
        try:
            stub.exchange(1, [("/start", "Over wie gaat het?")])
            after = len(stub.sent)
            stub.push_text(1, "Hallo \ud800 daar")
            stub.push_text(2, "/start")
            wait_for_reply(stub, 2, "Over wie gaat het?", after)
            assert stub.reply_after(1, "Kies een van de knoppen", after) is not None
            assert_no_busy_loop(stub)
        finally:
            err = stop(bot)
    assert "Traceback" not in err and "UnicodeEncodeError" not in err
    assert rows(db, "SELECT count(*) FROM inbox") == [(0,)]
