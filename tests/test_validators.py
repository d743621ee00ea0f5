"""Free-text validators: what passes, what it becomes, and the message when it fails."""

from __future__ import annotations

import pytest

from bot.engine import VALIDATORS, Invalid


@pytest.mark.parametrize(
    ("name", "arg", "text", "value"),
    [
        ("not_empty", None, "  hallo ", "hallo"),
        ("max_length", 5, "kort", "kort"),
        ("postcode", None, "1503ab", "1503 AB"),
        ("postcode", None, "1503", "1503"),
        ("phone", None, "06-12345678", "+31612345678"),
        ("phone", None, "075 123 4567", "+31751234567"),
        ("phone", None, "+31 6 12345678", "+31612345678"),
    ],
)
def test_valid_answers_are_cleaned(name: str, arg: object, text: str, value: str) -> None:
    assert VALIDATORS[name](text, arg) == value


@pytest.mark.parametrize(
    ("name", "arg", "text", "key"),
    [
        ("not_empty", None, "🙂 👍", "validate.not_empty"),
        ("max_length", 3, "te lang", "validate.max_length"),
        ("postcode", None, "Zaandam", "validate.postcode"),
        ("phone", None, "12345", "validate.phone"),
        ("phone", None, "+32 470 12 34 56", "validate.phone"),  # Belgian: not Dutch
    ],
)
def test_invalid_answers_name_their_message(name: str, arg: object, text: str, key: str) -> None:
    with pytest.raises(Invalid) as caught:
        VALIDATORS[name](text, arg)
    assert caught.value.key == key
