"""Check-ins with a controlled clock: planning, quiet hours (across midnight and a DST change),
never twice, never into a running flow, skipped with a reason, and the answers at the team."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from telegram.ext import CallbackContext

from bot.channels.telegram import _checkins, attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest
from bot.checkins import Checkins, in_quiet_hours
from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine, Reply
from bot.exporting import export
from storage import Cipher, Database
from tests.conftest import AMS, TEST_KEY, Chat
from tests.test_team import claim_and_close, join, report

RESIDENT, MEMBER = 42, 500


class Outbox:
    """Collects what the check-ins send; ``blocked`` chats answer like Telegram's 403."""

    def __init__(self, blocked: frozenset[int] = frozenset()) -> None:
        self.sent: list[Reply] = []
        self.blocked = blocked

    async def __call__(self, reply: Reply) -> bool:
        if reply.chat_id in self.blocked:
            return False
        self.sent.append(reply)
        return True


async def rows(engine: Engine) -> list[tuple[str, str, str | None]]:
    async with engine.db.transaction() as tx:
        return await tx.read("SELECT kind, state, reason FROM checkins ORDER BY id")


async def send(engine: Engine, config: Config, outbox: Outbox | None = None) -> Outbox:
    box = outbox or Outbox()
    await Checkins(config).send_due(engine, box)
    return box


async def reported(engine: Engine, clock: FakeClock, contact: str = "Via deze chat") -> str:
    clock.set(datetime(2026, 11, 9, 10, 0, tzinfo=AMS))  # Monday 9 November
    return await report(engine, Chat(engine, RESIDENT), contact=contact)


def test_quiet_hours_across_midnight() -> None:
    from datetime import time

    quiet = (time(21, 0), time(9, 0))
    assert in_quiet_hours(quiet, time(23, 0)) and in_quiet_hours(quiet, time(8, 59))
    assert not in_quiet_hours(quiet, time(9, 0)) and not in_quiet_hours(quiet, time(20, 59))
    assert not in_quiet_hours(None, time(3, 0))


async def test_a_check_in_is_planned_only_with_chat_contact(
    engine: Engine, clock: FakeClock
) -> None:
    await reported(engine, clock)
    assert await rows(engine) == [("na_melding", "gepland", None)]
    async with engine.db.transaction() as tx:
        (due,) = await tx.read("SELECT due_at FROM checkins")
    assert datetime.fromisoformat(due[0]) == datetime(2026, 11, 23, 10, 0, tzinfo=AMS)


async def test_no_check_in_without_chat_contact(engine: Engine, clock: FakeClock) -> None:
    await reported(engine, clock, contact="Liever geen contact")
    assert await rows(engine) == []


async def test_sent_when_due_once_with_the_question(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    await reported(engine, clock)
    clock.set(datetime(2026, 11, 23, 9, 59, tzinfo=AMS))
    assert (await send(engine, config)).sent == []
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    box = await send(engine, config)
    (question,) = box.sent
    assert question.chat_id == RESIDENT
    assert question.text == "U meldde op maandag 9 november iets over eenzaamheid. Hoe gaat het nu?"
    assert [b.label for b in question.buttons] == [
        "Beter",
        "Hetzelfde",
        "Slechter",
        "Ik wil geen vragen meer",
    ]
    assert (await send(engine, config)).sent == [], "never twice"
    assert await rows(engine) == [("na_melding", "verstuurd", None)]


async def test_quiet_hours_hold_it_until_morning_also_across_a_dst_change(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Due in the night of the switch to summer time (28 March 2027): sent at 09:00 local."""
    clock.set(datetime(2027, 3, 13, 23, 30, tzinfo=AMS))
    await report(engine, Chat(engine, RESIDENT))
    clock.set(datetime(2027, 3, 27, 23, 30, tzinfo=AMS))  # due, but quiet
    assert (await send(engine, config)).sent == []
    clock.set(datetime(2027, 3, 28, 3, 30, tzinfo=AMS))  # just after the clocks went forward
    assert (await send(engine, config)).sent == []
    clock.set(datetime(2027, 3, 28, 8, 59, tzinfo=AMS))
    assert (await send(engine, config)).sent == []
    clock.set(datetime(2027, 3, 28, 9, 0, tzinfo=AMS))
    assert len((await send(engine, config)).sent) == 1


async def test_an_answer_reaches_the_signal_the_queue_and_the_digest(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await reported(engine, clock)
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    await send(engine, config)
    resident = Chat(engine, RESIDENT)
    await resident.say("slechter")  # typed works too
    assert resident.last.startswith("Dank u. Wilt u er nog iets over vertellen?")
    await resident.say("Ze eet bijna niets meer.")
    assert resident.last == "Dank u wel. Het wijkteam ziet uw antwoord."
    await member.command("/wachtrij")
    assert "let op: de melder zegt dat het slechter gaat" in member.last
    await member.command(f"/signaal {ref}")
    assert "slechter" in member.last and "Ze eet bijna niets meer." in member.last
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=AMS))
    (digest,) = await Digests(config).send_due(engine.db, clock.now())
    assert "Let op:" in digest.text and ref in digest.text.split("Let op:")[1]
    assert await rows(engine) == [("na_melding", "beantwoord", None)]
    exported = json.loads(await export(engine.db, "json"))
    assert [c["answer"] for c in exported[0]["checkins"]] == ["slechter"]


async def test_after_closing_no_asks_what_went_wrong_and_requests_a_reopen(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await reported(engine, clock)
    await claim_and_close(member, ref)
    clock.advance(timedelta(days=7))
    box = await send(engine, config)
    assert box.sent[-1].text == f"Uw melding {ref} is afgerond. Is uw melding goed opgepakt?"
    resident = Chat(engine, RESIDENT)
    resident.replies = list(box.sent)
    await resident.tap("Nee")
    assert resident.last.startswith("Dat spijt ons. Wat ging er mis?")
    await resident.say("Er is niemand langs geweest.")
    await member.command("/wachtrij")
    assert "let op: de melder vraagt om opnieuw te kijken" in member.last
    await member.command(f"/signaal {ref}")
    assert member.labels == ["Heropenen", "Bericht aan melder"]


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("withdraw", "geen toestemming voor contact"),
        ("forget", "geanonimiseerd"),
        ("stopvragen", "wil geen vragen meer"),
    ],
)
async def test_skipped_with_the_reason(
    engine: Engine, config: Config, clock: FakeClock, action: str, reason: str
) -> None:
    await reported(engine, clock)
    resident = Chat(engine, RESIDENT)
    if action == "withdraw":
        await resident.command("/intrekken")
        await resident.tap("Contact met u opnemen")
    elif action == "forget":
        await resident.command("/verwijderen")
        await resident.tap("Ja, haal het weg")
    else:
        await resident.command("/stopvragen")
        assert resident.last == "Goed. Wij sturen u geen vragen meer."
    clock.advance(timedelta(days=15))
    assert (await send(engine, config)).sent == []
    assert await rows(engine) == [("na_melding", "overgeslagen", reason)]


async def test_a_blocked_bot_marks_the_person_unreachable(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    await reported(engine, clock)
    await report(engine, Chat(engine, RESIDENT))  # a second report, same person
    clock.advance(timedelta(days=15))
    box = await send(engine, config, Outbox(blocked=frozenset({RESIDENT})))
    assert box.sent == []
    assert await rows(engine) == [
        ("na_melding", "overgeslagen", "geblokkeerd"),
        ("na_melding", "overgeslagen", "onbereikbaar"),
    ]


async def test_it_waits_while_the_person_is_in_another_flow(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    await reported(engine, clock)
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    resident = Chat(engine, RESIDENT)
    await resident.command("/start")
    await resident.tap("Over mijzelf")
    assert (await send(engine, config)).sent == []
    assert resident.last.startswith("Wat is er aan de hand?")
    await resident.command("/stop")
    assert len((await send(engine, config)).sent) == 1


async def test_after_a_restart_overdue_ones_go_once_and_a_crash_after_sending_doubles_none(
    tmp_path: Path, make_engine: Callable[..., Engine], config: Config, clock: FakeClock
) -> None:
    path = tmp_path / "c.db"
    db = await Database.open(path, cipher=Cipher([TEST_KEY]))
    engine = make_engine(db)
    await reported(engine, clock)
    await report(engine, Chat(engine, 43))
    await db.close()
    clock.advance(timedelta(days=20))  # the bot was down when they came due

    async def crash_after_first(reply: Reply) -> bool:
        raise SystemExit("killed right after sending")

    db = await Database.open(path, cipher=Cipher([TEST_KEY]))
    with pytest.raises(SystemExit):
        await Checkins(config).send_due(make_engine(db), crash_after_first)
    await db.close()
    db = await Database.open(path, cipher=Cipher([TEST_KEY]))
    engine = make_engine(db)
    box = await send(engine, config)
    assert [r.chat_id for r in box.sent] == [43], "the one being sent at the crash is not doubled"
    assert (await send(engine, config)).sent == []
    await db.close()


async def test_a_check_in_through_the_application(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    request = OfflineRequest()
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    attach_engine(app, engine, checkins=Checkins(config))
    await reported(engine, clock)
    clock.set(datetime(2026, 11, 23, 12, 0, tzinfo=AMS))
    await _checkins(CallbackContext(app))
    resident = OfflineChat(app, request, RESIDENT)
    assert request.sent()[-1].params["text"].startswith("U meldde op maandag 9 november")
    sent = await resident.tap("Beter")
    assert sent[-1]["text"].startswith("Dank u. Wilt u er nog iets over vertellen?")
    sent = await resident.tap("Nee, dank u")
    assert sent[-1]["text"] == "Dank u wel. Het wijkteam ziet uw antwoord."
    await app.shutdown()


async def test_many_due_at_once_go_out_through_the_rate_limiter_none_lost_on_a_429(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Twenty check-ins due at the same minute; Telegram refuses one send with a 429 once.
    python-telegram-bot's AIORateLimiter waits and retries: every one arrives, once."""
    clock.set(datetime(2026, 11, 9, 10, 0, tzinfo=AMS))
    for n in range(20):
        await report(engine, Chat(engine, 1000 + n))
    request = OfflineRequest(too_many_requests={5})
    app = build_application("123456:TEST", request=request, rate_limit=True)
    await app.initialize()
    attach_engine(app, engine, checkins=Checkins(config))
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    await _checkins(CallbackContext(app))
    delivered = [c.params["chat_id"] for c in request.sent()]
    assert sorted(delivered) == [1000 + n for n in range(20)]
    assert request.send_attempts == 21, "one refused, retried"
    assert {state for _kind, state, _reason in await rows(engine)} == {"verstuurd"}
    await app.shutdown()


async def test_news_for_the_reporter_at_night_waits_for_the_morning(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """A team member closes a signal at 22:00: the reporter hears it after 09:00, once."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await reported(engine, clock)
    clock.set(datetime(2026, 11, 10, 22, 0, tzinfo=AMS))
    await member.command(f"/signaal {ref}")
    replies = await member.tap("Oppakken")
    assert all(r.chat_id is None for r in replies), "nothing to the resident at night"
    clock.set(datetime(2026, 11, 11, 8, 0, tzinfo=AMS))
    assert (await send(engine, config)).sent == []
    clock.set(datetime(2026, 11, 11, 9, 0, tzinfo=AMS))
    box = await send(engine, config)
    assert [(r.chat_id, r.text) for r in box.sent] == [
        (RESIDENT, f"Goed nieuws. Sociaal wijkteam Zaandam-Noord heeft uw melding {ref} opgepakt.")
    ]
    assert (await send(engine, config)).sent == []
