"""What an adversarial resident sends through the real Application: many details in one
description, a forged button with thousands of digits. Each gets a kind answer that fits in a
Telegram message, and a resident who writes afterwards is still answered."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.telegram_offline import OfflineChat
from bot.engine import TEXT_LIMIT, Engine, units

LATER = 5550009


async def later_resident_is_answered(telegram: OfflineChat) -> None:
    later = OfflineChat(telegram.app, telegram.request, LATER)
    sent = await later.send("/start")
    assert sent[-1]["text"] == "Over wie gaat het?"


def assert_fits(sent: list[dict[str, Any]]) -> None:
    assert sent, "an answer"
    for message in sent:
        assert message["text"].strip() and units(message["text"]) <= TEXT_LIMIT
        assert "er ging bij ons iets mis" not in message["text"]


async def test_300_e_mail_addresses_are_counted_removed_and_the_summary_fits(
    telegram: OfflineChat, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A description of a few words and 300 e-mail addresses (333 leave no room for words
    within the 2,000 characters): the question counts them (never an empty question),
    'Weghalen' removes all of them, the summary and the whole text (twice as long now) fit,
    the report is stored; a resident after this one is answered."""
    count = 300
    text = "Mijn buurman stuurt steeds mails: " + " ".join("a@b.c" for _ in range(count))
    await telegram.send("/start")
    await telegram.tap("Over iemand anders")
    sent = await telegram.send(text)
    assert_fits(sent)
    assert sent[-1]["text"].startswith(f"In uw tekst staat: {count} e-mailadressen.\n")
    sent = await telegram.tap("Weghalen")
    assert sent[-1]["text"].startswith("Waar gaat het vooral over?")
    await telegram.tap("Overlast of ruzie in de buurt")
    await telegram.tap("Nee")
    await telegram.tap("Ja")
    await telegram.send("1503 AB")
    await telegram.tap("Ja, dat is goed")
    await telegram.tap("Via deze chat")
    sent = await telegram.tap("Nee, liever niet")
    assert_fits(sent)
    assert sent[-1]["text"].startswith("Dit is uw melding.") and "@" not in sent[-1]["text"]
    sent = await telegram.tap("Hele tekst tonen")
    assert_fits(sent)
    whole = "".join(m["text"] for m in sent[:-1])
    assert whole.count("[weggehaald]") == count and "@" not in whole
    sent = await telegram.tap("Versturen")
    assert any("WS-2026-00001" in m["text"] for m in sent)
    async with engine.db.transaction() as tx:
        (signal,) = await tx.signals.all()
    assert signal.description.count("[weggehaald]") == count and "@" not in signal.description
    await later_resident_is_answered(telegram)
    assert "update failed" not in caplog.text


async def test_333_e_mail_addresses_alone_are_removed_and_the_description_asked_again(
    telegram: OfflineChat,
) -> None:
    """Nothing but 333 addresses: after 'Weghalen' nothing is left, so the description is
    asked again (nothing stored as "[weggehaald]"); a later resident is answered."""
    await telegram.send("/start")
    await telegram.tap("Over mijzelf")
    sent = await telegram.send(" ".join("a@b.c" for _ in range(333)))
    assert sent[-1]["text"].startswith("In uw tekst staat: 333 e-mailadressen.")
    sent = await telegram.tap("Weghalen")
    assert_fits(sent)
    assert len(sent) == 2
    assert sent[0]["text"].startswith("Na het weghalen blijft er niets over van uw tekst.")
    assert sent[1]["text"].startswith("Wat is er aan de hand?")
    await later_resident_is_answered(telegram)


@pytest.mark.parametrize(
    ("digits", "answer"),
    [
        ("9" * 5000, "Die knop hoort bij een eerdere vraag."),
        ("0" * 5000, "Wat is er aan de hand?"),  # option 0, "Over mijzelf", however written
        ("0" * 4999 + "1", "Wat is er aan de hand?"),  # option 1, "Over iemand anders"
    ],
    ids=["nines", "zeros", "zeros-and-one"],
)
async def test_a_forged_button_with_5000_digits_is_bounded_before_it_is_read(
    telegram: OfflineChat, caplog: pytest.LogCaptureFixture, digits: str, answer: str
) -> None:
    """``a:<ask>:`` and 5,000 digits (more than Python converts to a number): the digits are
    bounded before they are converted, so the resident gets an answer (an old button, or the
    option the number names), not an error; a resident after this one is answered."""
    await telegram.send("/start")
    ask = telegram.button_data("Over mijzelf").split(":")[1]
    sent = await telegram.press(f"a:{ask}:{digits}")
    assert_fits(sent)
    assert sent[0]["text"].startswith(answer)
    await later_resident_is_answered(telegram)
    assert "update failed" not in caplog.text
