"""Personal details found before a report is sent; ordinary text left alone."""

from __future__ import annotations

import pytest

from bot.engine import Engine
from bot.redaction import find_details, passes_eleven_test, remove_details
from tests.conftest import Chat, report_to_summary


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Bel haar op 06-12345678 als het kan.", "phone", "06-12345678"),
        ("Het nummer is 075 123 4567.", "phone", "075 123 4567"),
        ("Mail naar jan.jansen@example.nl graag.", "email", "jan.jansen@example.nl"),
        ("Ze woont op 1503 AB 12.", "address", "1503 AB 12"),
        ("Hij woont in de Dorpsstraat 14a, boven.", "address", "Dorpsstraat 14a"),
        ("Op de Jan Steenstraat 4 is het.", "address", "Jan Steenstraat 4"),
        ("Zijn BSN is 111222333.", "bsn", "111222333"),
        ("Zijn BSN is 111.22.2333.", "bsn", "111.22.2333"),
    ],
)
def test_each_kind_is_found(text: str, kind: str, found: str) -> None:
    (finding,) = find_details(text)
    assert (finding.kind, finding.text) == (kind, found)


@pytest.mark.parametrize(
    "text",
    [
        "Ik woon al 20 jaar in 1503 en heb 3 kinderen.",
        "Om 10 uur komt de thuiszorg, op nummer 12.",
        "Mijn moeder is 85 en woont in de straat naast de kerk.",
        "Het kost 123456789 euro, zei hij.",  # nine digits that fail the eleven test
        "Postcode 1503 AB is hier.",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert find_details(text) == []


@pytest.mark.parametrize(
    "number",
    [
        "06 98765432",  # a mobile number in a range nobody has yet
        "0698765432",
        "06-98765432",
        "06.98.76.54.32",
        "06 - 98 76 54 32",
        "06/98765432",
        "+31 6 98765432",
        "+316-98765432",
        "+31 (0)6 98765432",
        "+31(0)698765432",
        "0031 6 98765432",
        "0031-6-98765432",
        "075 123 4567",
        "075-1234567",
        "(075) 123 45 67",
        "020 - 123 4567",
        "0201234567",
        "085-1234567",
        "+31 20 123 4567",
        "0031 75 123 45 67",
        "06-12345678",
    ],
)
def test_every_dutch_phone_shape_is_found_valid_range_or_not(number: str) -> None:
    """Recall over validity: a resident who types a number means a number, so any Dutch mobile
    or landline shape is removed whole, with +31, 0031, spaces, dots, dashes or brackets."""
    for text in (f"Bel hem op {number} als het kan.", f"{number}", f"nummer:{number}."):
        (finding,) = find_details(text)
        assert (finding.kind, finding.text) == ("phone", number), text


@pytest.mark.parametrize(
    "text",
    [
        "Op 12-03-2024 om 10:30 kwam ze.",
        "Om 06:30 staat hij al op.",
        "Hij is 06 jaar getrouwd, nee 60.",
    ],
)
def test_dates_and_times_are_not_phone_numbers(text: str) -> None:
    assert [f for f in find_details(text) if f.kind == "phone"] == []


def test_the_eleven_test() -> None:
    assert passes_eleven_test("111222333") and not passes_eleven_test("123456789")


def test_removing_replaces_every_finding() -> None:
    text = "Bel 06-12345678 of mail a@b.nl."
    assert remove_details(text, find_details(text), "[weg]") == "Bel [weg] of mail [weg]."


async def test_the_resident_chooses_to_remove_or_keep(chat: Chat, engine: Engine) -> None:
    """The report flow shows what it found; 'Weghalen' removes it before anything is sent."""
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Mijn buurman is erg eenzaam, zijn nummer is 06-12345678.")
    assert chat.last.startswith("In uw tekst staat: 06-12345678 (telefoonnummer).")
    await chat.tap("Weghalen")
    assert chat.last.startswith("Gaat het over iemand die eenzaam is?")
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id)
    assert (
        state.data["answers"]["what"] == "Mijn buurman is erg eenzaam, zijn nummer is [weggehaald]."
    )


async def test_keeping_leaves_the_text_as_it_was(chat: Chat, engine: Engine) -> None:
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik heb schulden, bel mij op 06-12345678.")
    await chat.tap("Laten staan")
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id)
    assert "06-12345678" in state.data["answers"]["what"]


NOTHING_LEFT = "Na het weghalen blijft er niets over van uw tekst."


async def test_a_description_of_only_details_is_asked_again_after_removing(
    chat: Chat, engine: Engine
) -> None:
    """Only a phone number and an e-mail address as the description, then 'Weghalen':
    nothing is left, so the description is asked again instead of keeping "[weggehaald]";
    the new description is the one the report goes on with."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("06-12345678, a@b.nl")
    await chat.tap("Weghalen")
    assert chat.replies[0].text.startswith(NOTHING_LEFT)
    assert chat.last.startswith("Wat is er aan de hand?")
    await chat.say("Ik ben erg eenzaam sinds mijn man is overleden.")
    assert chat.last.startswith("Gaat het over iemand die eenzaam is?")
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id)
    assert state.data["answers"]["what"] == "Ik ben erg eenzaam sinds mijn man is overleden."


async def test_a_changed_description_of_only_details_is_asked_again_too(chat: Chat) -> None:
    """Aanpassen → Wat er speelt, a phone number alone, 'Weghalen': the description is asked
    again, not skipped on the way back to the summary."""
    await report_to_summary(chat)
    await chat.tap("Aanpassen")
    await chat.tap("Wat er speelt")
    await chat.say("0612345678")
    await chat.tap("Weghalen")
    assert chat.replies[0].text.startswith(NOTHING_LEFT)
    assert chat.last.startswith("Wat is er aan de hand?")
    await chat.say("Ik voel me al maanden heel alleen.")
    assert "Wat er speelt: Ik voel me al maanden heel alleen." in chat.last
