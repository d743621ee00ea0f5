"""Postcodes as residents type them."""

from __future__ import annotations

import pytest

from bot.domain import parse_postcode


@pytest.mark.parametrize(
    ("text", "shown", "compact"),
    [("1503 AB", "1503 AB", "1503AB"), ("1503ab", "1503 AB", "1503AB"), (" 1503 ", "1503", "1503")],
)
def test_postcodes_are_read_in_every_usual_spelling(text: str, shown: str, compact: str) -> None:
    postcode = parse_postcode(text)
    assert postcode is not None and (str(postcode), postcode.compact) == (shown, compact)


@pytest.mark.parametrize("text", ["0503 AB", "150", "1503 A", "1503 ABC", "postcode", ""])
def test_things_that_are_no_postcode_are_refused(text: str) -> None:
    assert parse_postcode(text) is None
