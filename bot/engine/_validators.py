"""Validators for free-text answers. Each returns the cleaned value or raises :class:`Invalid`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers

from bot.domain import parse_postcode, starts_with_zero
from bot.i18n import N_

MAX_MESSAGE_LENGTH = 4096


class Invalid(Exception):
    """The answer does not pass; ``key`` is the msgid that says why, ``params`` fill it in."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


Validator = Callable[[str, Any], str]


def has_content(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit (not only emoji, punctuation or spaces)."""
    return any(ch.isalnum() for ch in text)


def not_empty(text: str, _arg: Any = None) -> str:
    if not has_content(text):
        raise Invalid(N_("validate.not_empty"))
    return text.strip()


def max_length(text: str, arg: Any) -> str:
    if len(text) > int(arg):
        raise Invalid(N_("validate.max_length"), max=int(arg), length=len(text))
    return text


def postcode(text: str, _arg: Any = None) -> str:
    found = parse_postcode(text)
    if found is None:
        raise Invalid(
            N_("validate.postcode_zero") if starts_with_zero(text) else N_("validate.postcode")
        )
    return str(found)


def phone(text: str, _arg: Any = None) -> str:
    """A Dutch phone number, stored in international form (+31...)."""
    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        raise Invalid(N_("validate.phone")) from None
    if not phonenumbers.is_valid_number(number) or number.country_code != 31:
        raise Invalid(N_("validate.phone"))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


VALIDATORS: dict[str, Validator] = {
    "not_empty": not_empty,
    "max_length": max_length,
    "postcode": postcode,
    "phone": phone,
}
