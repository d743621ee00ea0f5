"""Messages between the team and a reporter through the bot: both ways, the team's name only,
quiet hours, withdrawn contact, other teams and forged buttons refused, encrypted at rest."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest
from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine, Event, EventKind
from bot.retention import purge_by_config
from bot.rights import person_data
from tests.conftest import AMS, Chat
from tests.test_team import COORDINATOR, MEMBER, OTHER_TEAM, RESIDENT, report, team

__all__ = ["team"]  # the fixture, shared with the team's own tests

TEXT = "Goedemiddag, kunnen we donderdag om 10 uur bij u langskomen?"


async def claimed_report(engine: Engine, team: dict[str, Chat]) -> str:
    """A resident's report, picked up by the member (Anna); its reference."""
    ref = await report(engine, team["resident"])
    await team["member"].command(f"/signaal {ref}")
    await team["member"].tap("Oppakken")
    return ref


async def write(member: Chat, ref: str, text: str = TEXT) -> None:
    await member.command(f"/signaal {ref}")
    await member.tap("Bericht aan melder")
    await member.say(text)


async def test_a_message_both_ways(engine: Engine, team: dict[str, Chat]) -> None:
    """The member writes, sees it back, sends; the reporter gets it from the team (never the
    member's name) with 'Antwoorden'; the answer reaches the member; both are in the history
    and in the reporter's own data."""
    resident, member = team["resident"], team["member"]
    ref = await report(engine, resident)
    await member.command(f"/signaal {ref}")
    assert "Bericht aan melder" not in member.labels, "only who picked it up"
    await member.tap("Oppakken")
    await write(member, ref)
    assert member.last == f"Zo krijgt de melder uw bericht:\n\n{TEXT}\n\nVersturen?"
    replies = await member.tap("Versturen")
    (to_reporter,) = [r for r in replies if r.chat_id == RESIDENT]
    assert to_reporter.text.startswith(
        f"Bericht van Sociaal wijkteam Zaandam-Noord over uw melding {ref}:\n\n{TEXT}"
    )
    assert "Anna" not in to_reporter.text
    assert [b.label for b in to_reporter.buttons] == ["Antwoorden"]
    assert member.last == f"Uw bericht over {ref} is verstuurd."

    resident.replies = [to_reporter]
    await resident.tap("Antwoorden")
    assert resident.last == "Wat wilt u het wijkteam terugschrijven?"
    replies = await resident.say("Donderdag is goed, ik ben thuis.")
    assert resident.last == "Dank u wel. Het wijkteam krijgt uw antwoord."
    (to_member,) = [r for r in replies if r.chat_id == MEMBER]
    assert (
        to_member.text == f"Antwoord van de melder van {ref}:\n\nDonderdag is goed, ik ben thuis."
    )

    await member.command(f"/signaal {ref}")
    history = member.last.split("Verloop:\n")[1]
    assert "bericht aan de melder, van Anna" in history and TEXT in history
    assert "antwoord van de melder" in history and "Donderdag is goed" in history
    async with engine.db.transaction() as tx:
        data = await person_data(tx, RESIDENT)
    assert data is not None
    assert [(m["from"], m["text"]) for m in data["signals"][0]["messages"]] == [
        ("team", TEXT),
        ("melder", "Donderdag is goed, ik ben thuis."),
    ]


async def test_change_and_cancel_send_nothing(engine: Engine, team: dict[str, Chat]) -> None:
    member = team["member"]
    ref = await claimed_report(engine, team)
    await write(member, ref, "Eerste versie")
    await member.tap("Aanpassen")
    assert member.last.startswith(f"Wat wilt u de melder van {ref} sturen?")
    await member.say("Tweede versie")
    replies = await member.tap("Niet versturen")
    assert member.last == "Goed, er is niets verstuurd."
    assert all(r.chat_id is None for r in replies)


async def test_in_quiet_hours_the_message_waits_for_the_morning(
    engine: Engine, team: dict[str, Chat], clock: FakeClock
) -> None:
    member = team["member"]
    ref = await claimed_report(engine, team)
    clock.set(datetime(2026, 11, 23, 22, 0, tzinfo=AMS))
    await write(member, ref)
    replies = await member.tap("Versturen")
    assert all(r.chat_id is None for r in replies), "nothing to the reporter at night"
    assert member.last.endswith("de melder krijgt het in de ochtend.")
    async with engine.db.transaction() as tx:
        (held,) = await tx.read("SELECT chat_id, text FROM outbox")
    assert held[0] == RESIDENT and TEXT not in held[1], "held encrypted"


async def test_withdrawn_contact_stops_it_with_one_line(
    engine: Engine, team: dict[str, Chat]
) -> None:
    resident, coordinator = team["resident"], team["coordinator"]
    ref = await report(engine, resident)
    await coordinator.command(f"/signaal {ref}")
    stale = coordinator.button("Bericht aan melder")
    await resident.command("/intrekken")
    await resident.tap("Contact met u opnemen")
    coordinator.replies = await engine.handle(
        Event(COORDINATOR, COORDINATOR, EventKind.BUTTON, stale.data)
    )
    assert coordinator.last.startswith(f"U kunt de melder van {ref} geen bericht sturen")
    await coordinator.command(f"/signaal {ref}")
    assert "Bericht aan melder" not in coordinator.labels


async def test_other_teams_colleagues_and_forged_buttons_are_refused(
    engine: Engine, team: dict[str, Chat]
) -> None:
    resident, member = team["resident"], team["member"]
    ref = await report(engine, resident)
    await member.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    other = team["other"]
    other.replies = await engine.handle(Event(OTHER_TEAM, OTHER_TEAM, EventKind.BUTTON, f"m:{ref}"))
    assert other.last == f"Signaal {ref} bestaat niet, of het is niet van uw team."
    await team["colleague"].command(f"/signaal {ref}")
    assert "Bericht aan melder" not in team["colleague"].labels
    forged = await engine.handle(Event(501, 501, EventKind.BUTTON, f"m:{ref}"))
    assert forged[-1].text.startswith(f"Alleen wie {ref} heeft opgepakt")
    stranger = Chat(engine, 4242)
    stranger.replies = await engine.handle(Event(4242, 4242, EventKind.BUTTON, f"ra:{ref}"))
    assert stranger.last.startswith("Op dit bericht kunt u niet meer antwoorden.")
    await stranger.command(f"/antwoord {ref}")
    assert stranger.last.startswith("Op dit bericht kunt u niet meer antwoorden.")


def database_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.glob("test.db*"))


async def test_messages_are_encrypted_at_rest(
    engine: Engine, team: dict[str, Chat], tmp_path: Path
) -> None:
    member = team["member"]
    ref = await claimed_report(engine, team)
    await write(member, ref, "Geheimzinnige afspraak op donderdag")
    await member.tap("Versturen")
    raw = database_bytes(tmp_path)
    assert len(raw) > 10_000, "the database files were read"
    assert b"Geheimzinnige" not in raw


async def test_a_reporter_who_blocked_the_bot_is_told_to_the_writer_in_one_line(
    engine: Engine, team: dict[str, Chat]
) -> None:
    """Through the real Application: Telegram answers 403 for the reporter's chat; the team
    member hears at once that the message did not arrive."""
    ref = await claimed_report(engine, team)
    request = OfflineRequest(blocked_chats={RESIDENT})
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    attach_engine(app, engine)
    member = OfflineChat(app, request, MEMBER)
    await member.send(f"/signaal {ref}")
    await member.tap("Bericht aan melder")
    await member.send(TEXT)
    sent = await member.tap("Versturen")
    await app.shutdown()
    texts = [call["text"] for call in sent]
    assert texts[-1] == (
        f"Uw bericht over {ref} is niet aangekomen: de melder heeft de bot geblokkeerd."
    )
    assert all(int(str(call["chat_id"])) == MEMBER for call in sent)


async def test_retention_removes_the_message_texts_with_the_contact_details(
    engine: Engine, team: dict[str, Chat], clock: FakeClock, config: Config
) -> None:
    """A year after closing the messages' texts go, as the contact details do; the events
    themselves stay in the history until the signal is deleted."""
    member = team["member"]
    ref = await claimed_report(engine, team)
    await write(member, ref)
    await member.tap("Versturen")
    await claim_and_close_mine(member, ref)
    clock.advance(config.anonymise_after + timedelta(days=1))
    await purge_by_config(engine.db, config, clock.now())
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        messages = [e for e in await tx.signals.events(signal.id) if e.kind.startswith("bericht")]
    assert len(messages) == 1 and messages[0].note is None


async def claim_and_close_mine(member: Chat, ref: str) -> None:
    await member.command(f"/signaal {ref}")
    await member.tap("Afronden")
    await member.tap("Contact gelegd")
    await member.tap("Geen notitie")
