"""Daily digests with a controlled clock: due on working days after the digest time, recorded so
never sent twice, sent once after downtime, counts only for a group chat, and the whole path
from a report to a digest to closing through python-telegram-bot's Application."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta

import pytest
from telegram.ext import CallbackContext

from bot.channels.telegram import _digest, attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest
from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine
from tests.conftest import AMS, Chat
from tests.test_team import join, report

MEMBER, COLLEAGUE = 500, 501


async def setup_team(engine: Engine) -> None:
    await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    await join(engine, COLLEAGUE, "teamlid", "zaandam-noord", "Bram")


async def in_english(chat: Chat) -> None:
    await chat.command("/taal")
    await chat.tap("English")


async def test_a_digest_is_due_after_its_time_on_working_days_only_and_once(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    await setup_team(engine)
    digests = Digests(config)
    clock.set(datetime(2026, 11, 24, 8, 29, tzinfo=AMS))  # Tuesday
    assert await digests.send_due(engine.db, clock.now()) == []
    clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=AMS))
    sent = await digests.send_due(engine.db, clock.now())
    assert sorted(r.chat_id for r in sent if r.chat_id is not None) == [MEMBER, COLLEAGUE]
    clock.advance(timedelta(minutes=1))
    assert await digests.send_due(engine.db, clock.now()) == [], "never twice"
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=AMS))  # Saturday
    assert await digests.send_due(engine.db, clock.now()) == []
    clock.set(datetime(2026, 12, 25, 9, 0, tzinfo=AMS))  # Christmas
    assert await digests.send_due(engine.db, clock.now()) == []


async def test_after_downtime_across_the_digest_time_it_is_sent_once(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Down from Tuesday 07:00 to Wednesday 14:00: Tuesday's is gone, Wednesday's comes once."""
    await setup_team(engine)
    digests = Digests(config)
    clock.set(datetime(2026, 11, 24, 7, 0, tzinfo=AMS))
    assert await digests.send_due(engine.db, clock.now()) == []
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=AMS))  # back up
    assert len(await digests.send_due(engine.db, clock.now())) == 2
    assert await digests.send_due(engine.db, clock.now()) == []
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT team, day FROM digests")
    assert rows == [("zaandam-noord", "2026-11-25")]


async def test_the_digest_lists_new_and_late_with_buttons(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    await setup_team(engine)
    digests = Digests(config)
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    late = await report(engine, Chat(engine, 42))
    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=AMS))
    await digests.send_due(engine.db, clock.now())  # too early: nothing
    new = await report(engine, Chat(engine, 43), postcode="1504")
    clock.set(datetime(2026, 12, 1, 8, 45, tzinfo=AMS))
    (first, _second) = await digests.send_due(engine.db, clock.now())
    assert "Open signalen: 2. Over tijd: 1." in first.text
    assert "Per soort: Eenzaamheid 2." in first.text
    new_part, late_part = first.text.split("Nieuw sinds")[1].split("Over tijd: 1\n")
    assert new in new_part and late in late_part
    assert "eenzaam en krijg" not in first.text, "no descriptions in a digest"
    labels = [b.label for b in first.buttons]
    assert f"Bekijk {late}" in labels and f"Oppakken {new}" in labels


async def test_a_group_chat_gets_counts_only(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    teams = dict(config.teams)
    teams["zaandam-noord"] = dataclasses.replace(teams["zaandam-noord"], group_chat=-100555)
    digests = Digests(dataclasses.replace(config, teams=teams))
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    ref = await report(engine, Chat(engine, 42))
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=AMS))
    (group,) = await digests.send_due(engine.db, clock.now())
    assert group.chat_id == -100555 and group.buttons == ()
    assert "1 open signalen, 1 nieuw, 0 over tijd" in group.text
    assert ref not in group.text and "1503" not in group.text


async def test_digest_on_demand_is_for_members_only(engine: Engine) -> None:
    await setup_team(engine)
    member = Chat(engine, MEMBER)
    await member.command("/digest")
    assert member.last.startswith("Goedemorgen. Dit is het overzicht van Sociaal wijkteam")
    resident = Chat(engine, 42)
    await resident.command("/digest")
    assert resident.last == "Dit is alleen voor medewerkers van het wijkteam."


@pytest.mark.parametrize(
    ("hour", "minute", "greeting"),
    [
        (5, 59, "Hallo."),
        (6, 0, "Goedemorgen."),
        (11, 59, "Goedemorgen."),
        (12, 0, "Goedemiddag."),
        (15, 1, "Goedemiddag."),
        (18, 0, "Goedenavond."),
        (23, 59, "Goedenavond."),
    ],
)
async def test_the_digest_greets_by_the_time_of_day_in_amsterdam(
    engine: Engine, clock: FakeClock, hour: int, minute: int, greeting: str
) -> None:
    """/digest at 15:01 says "Goedemiddag", not "Goedemorgen": the hour of the injected clock in
    Europe/Amsterdam, whatever zone the clock itself is in."""
    await setup_team(engine)
    local = datetime(2026, 11, 24, hour, minute, tzinfo=AMS)
    clock.set(local.astimezone(UTC))
    member = Chat(engine, MEMBER)
    await member.command("/digest")
    assert member.last.startswith(f"{greeting} Dit is het overzicht van Sociaal wijkteam")


async def test_the_scheduled_digest_greets_by_its_hour_in_english_too(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """A digest time of 13:00 gives an afternoon greeting, in the member's own language."""
    await setup_team(engine)
    await in_english(Chat(engine, MEMBER))
    digests = Digests(dataclasses.replace(config, digest_time=time(13, 0)))
    clock.set(datetime(2026, 11, 24, 13, 0, tzinfo=AMS))
    sent = {r.chat_id: r.text for r in await digests.send_due(engine.db, clock.now())}
    assert sent[MEMBER].startswith("Good afternoon. This is the overview of")
    assert sent[COLLEAGUE].startswith("Goedemiddag. Dit is het overzicht")


async def test_from_a_report_to_the_digest_to_closing_through_the_application(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """The resident reports, the morning digest arrives, the member picks it up from the digest
    and closes it; the resident hears both. All through Application.process_update."""
    await setup_team(engine)
    request = OfflineRequest()
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    attach_engine(app, engine, Digests(config))
    resident = OfflineChat(app, request, 42)
    member = OfflineChat(app, request, MEMBER)

    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=AMS))
    await resident.send("/start")
    await resident.tap("Over mijzelf")
    await resident.send("Ik zit de hele dag alleen en zie niemand meer.")
    for label in ("Ja", "Nee"):
        await resident.tap(label)
    await resident.send("1503 AB")
    for label in ("Ja, dat is goed", "Via deze chat", "Nee, liever niet", "Versturen"):
        sent = await resident.tap(label)
    ref = "\n".join(m["text"] for m in sent).split("Uw nummer is ")[1].split(".")[0]

    clock.set(datetime(2026, 11, 24, 8, 31, tzinfo=AMS))
    await _digest(CallbackContext(app))
    digest = [c.params for c in request.sent() if c.params["chat_id"] == MEMBER][-1]
    assert ref in digest["text"]
    clock.set(datetime(2026, 11, 24, 9, 15, tzinfo=AMS))  # after the residents' quiet hours
    sent = await member.tap(f"Oppakken {ref}")
    assert sent[0]["text"] == f"U heeft {ref} opgepakt."
    to_resident = [c.params["text"] for c in request.sent() if c.params["chat_id"] == 42]
    assert to_resident[-1].startswith("Goed nieuws.")
    await member.send(f"/signaal {ref}")
    await member.tap("Afronden")
    await member.tap("Geen actie nodig")
    await member.tap("Geen notitie")
    to_resident = [c.params["text"] for c in request.sent() if c.params["chat_id"] == 42]
    assert (
        to_resident[-1]
        == f"Uw melding {ref} is afgerond. Het team heeft gekeken. Er is nu geen hulp nodig."
    )
    await _digest(CallbackContext(app))
    assert len([c for c in request.sent() if "Dit is het overzicht" in c.params["text"]]) == 2
    await app.shutdown()


async def test_a_member_gets_the_digest_in_their_language(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    await setup_team(engine)
    await in_english(Chat(engine, MEMBER))
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=AMS))
    sent = {r.chat_id: r.text for r in await Digests(config).send_due(engine.db, clock.now())}
    assert sent[MEMBER].startswith("Good morning. This is the overview of")
    assert sent[COLLEAGUE].startswith("Goedemorgen.")


async def test_the_digest_lists_the_most_urgent_first_not_by_reference(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Two new signals; the later one's reporter answered 'slechter': it comes first, in the
    lists and in the buttons, although its reference is higher."""
    await setup_team(engine)
    first = await report(engine, Chat(engine, 42))
    second = await report(engine, Chat(engine, 43))
    async with engine.db.transaction() as tx:
        await tx.write("UPDATE signals SET attention = 'slechter' WHERE ref = ?", (second,))
    clock.set(datetime(2026, 11, 24, 8, 30, tzinfo=AMS))
    sent = await Digests(config).send_due(engine.db, clock.now())
    (digest,) = [r for r in sent if r.chat_id == MEMBER]
    new_part = digest.text.split("Nieuw")[1]
    assert new_part.index(second) < new_part.index(first)
    views = [b.label for b in digest.buttons if b.label.startswith("Bekijk")]
    assert views == [f"Bekijk {second}", f"Bekijk {first}"]
