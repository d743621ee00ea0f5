"""Telegram's 4,096 UTF-16 units: the splitter itself, and the texts that used to outgrow it
(the redaction question, the summary, a signal for the team, a resident's data)."""

from __future__ import annotations

import pytest

from bot.engine import TEXT_LIMIT, Button, Engine, Reply, fit, shorten, split, units
from tests.conftest import Chat
from tests.test_team import join, report

EMOJI = "🙂"


def test_units_count_characters_outside_the_bmp_twice() -> None:
    assert units("abc") == 3 and units(EMOJI * 3) == 6 and units("é") == 1


def test_shorten_ends_in_an_ellipsis_within_the_limit() -> None:
    assert shorten("kort", 10) == "kort"
    cut = shorten(EMOJI * 100, 21)
    assert cut.endswith("…") and units(cut) <= 21 and cut.count(EMOJI) == 10


@pytest.mark.parametrize("text", ["regel\n" * 2000, EMOJI * 5000, "x" * 9000, "a\n" + "b" * 5000])
def test_split_keeps_every_character_and_every_part_fits(text: str) -> None:
    parts = split(text)
    assert len(parts) > 1 and all(units(p) <= TEXT_LIMIT for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_fit_puts_buttons_and_file_on_the_last_part() -> None:
    long = Reply("\n".join(["regel"] * 1500), (Button("Ja", "a:1:0"),), 7, ("x.json", b"{}"))
    parts = fit([long])
    assert len(parts) == 3 and all(p.chat_id == 7 for p in parts)
    assert [bool(p.buttons) for p in parts] == [False, False, True]
    assert [p.document is not None for p in parts] == [False, False, True]


def test_fit_puts_a_picture_on_the_last_part() -> None:
    """A chart under a long text is sent once, after the last part."""
    long = Reply("\n".join(["regel"] * 1500), photo=b"\x89PNG")
    parts = fit([long])
    assert [p.photo for p in parts] == [None, None, b"\x89PNG"]


def assert_fits(replies: list[Reply]) -> None:
    assert replies and all(units(r.text) <= TEXT_LIMIT for r in replies)


async def test_many_details_are_counted_in_the_redaction_question(chat: Chat) -> None:
    """Twelve phone numbers and three e-mail addresses: the question counts them instead of
    listing them, and removing still removes every one."""
    phones = " ".join(f"06-1234{n:04d}" for n in range(12))
    mails = " ".join(f"buur{n}@example.nl" for n in range(3))
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say(f"Mijn buurman belt steeds: {phones} en mailt {mails}")
    assert chat.last.startswith("In uw tekst staat: 12 telefoonnummers en 3 e-mailadressen.")
    await chat.tap("Weghalen")
    assert "06-1234" not in chat.text


async def test_a_long_description_is_shortened_in_the_summary_and_shown_whole_on_request(
    chat: Chat, engine: Engine
) -> None:
    """2,000 emoji are 4,000 units: the summary shows the start with "…" and a button for the
    whole text, which comes back within the limit; sending still stores all of it."""
    text = "Ik ben eenzaam " + EMOJI * 1985
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say(text)
    assert_fits(chat.replies)
    await chat.tap("Nee, iets anders")
    await chat.tap("Eenzaamheid")
    assert chat.last.startswith("Is er nu direct gevaar?")
    await chat.tap("Nee")
    await chat.say("1503 AB")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
    assert_fits(chat.replies)
    assert "…" in chat.last and "Hele tekst tonen" in chat.labels
    await chat.tap("Hele tekst tonen")
    assert_fits(chat.replies)
    assert "".join(r.text for r in chat.replies[:-1]).count(EMOJI) == 1985, "the whole text"
    assert chat.last.startswith("Dit is uw melding."), "then the summary again"
    await chat.tap("Versturen")
    assert chat.last.startswith("Dank u wel") or "Uw nummer is" in chat.text
    async with engine.db.transaction() as tx:
        (signal,) = await tx.signals.open_of(None)
    assert signal.description == text


async def test_the_team_opens_a_signal_with_a_very_long_description(engine: Engine) -> None:
    """/signaal of a signal whose description and history are long arrives in parts that fit,
    with the buttons on the last."""
    member = await join(engine, 500, "teamlid", "zaandam-noord", "Anna")
    ref = await report(engine, Chat(engine, 42))
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        await tx.write(
            "UPDATE signals SET description = ? WHERE id = ?",
            (tx.cipher.encrypt("\n".join([EMOJI * 60] * 60)), signal.id),
        )
    await member.command(f"/signaal {ref}")
    assert len(member.replies) > 1
    assert_fits(member.replies)
    assert "Oppakken" in member.labels


async def test_my_data_after_forty_reports_fits(engine: Engine) -> None:
    """/mijngegevens of a resident with forty reports: every part within the limit, the file
    on the last."""
    resident = Chat(engine, 42)
    for _ in range(40):
        await report(engine, resident)
    await resident.command("/mijngegevens")
    assert_fits(resident.replies)
    assert resident.replies[-1].document is not None
    assert sum(r.text.count("WS-2026-") for r in resident.replies) == 40
