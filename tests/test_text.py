"""Text from outside, which may be anything: mended, never refused (bot/text.py)."""

from __future__ import annotations

import pytest

from bot.channels.console import _match
from bot.engine import Button
from bot.text import index_below, mend_surrogates
from storage import Cipher
from tests.conftest import TEST_KEY


@pytest.mark.parametrize(
    ("text", "mended"),
    [
        ("gewoon", "gewoon"),
        ("a\ud800b", "a\ufffdb"),
        ("\udfff", "\ufffd"),
        ("\ud83d\ude42", "🙂"),  # two halves that form a pair are one character
        ("\ude42\ud83d", "\ufffd\ufffd"),  # the wrong way round: two lone halves
    ],
)
def test_lone_surrogate_halves_become_the_replacement_character(text: str, mended: str) -> None:
    assert mend_surrogates(text) == mended
    mended.encode()  # valid UTF-8 now


def test_nothing_encrypted_raises_on_a_lone_surrogate() -> None:
    """Every encrypted value (a raw update, a queued reply, a description) goes through
    Cipher.encrypt: a lone half is stored as U+FFFD instead of refusing the whole value."""
    cipher = Cipher([TEST_KEY])
    assert cipher.decrypt(cipher.encrypt('{"text": "a\ud800b"}')) == '{"text": "a\ufffdb"}'


@pytest.mark.parametrize(
    ("text", "count", "number"),
    [
        ("0", 3, 0),
        ("2", 3, 2),
        ("3", 3, None),
        ("007", 10, 7),
        ("9" * 5000, 3, None),  # more digits than Python converts: never converted
        ("0" * 5000, 3, 0),
        ("0" * 4999 + "2", 3, 2),
        ("٣", 9, None),  # a digit, but not ASCII
        ("", 3, None),
        ("-1", 3, None),
        ("1 ", 3, None),
    ],
)
def test_a_number_is_bounded_before_it_is_converted(
    text: str, count: int, number: int | None
) -> None:
    assert index_below(text, count) == number


def test_the_console_reads_a_typed_number_of_any_length() -> None:
    """The console's buttons by number: 5,000 digits are no button, and no error."""
    buttons = (Button("Ja", "a:1:0"), Button("Nee", "a:1:1"))
    assert _match(buttons, "2") == buttons[1]
    assert _match(buttons, "9" * 5000) is None and _match(buttons, "0") is None
