"""The fixed ids of the domain (docs/glossary.md): the contract with config, exports and tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

CATEGORIES: tuple[str, ...] = (
    "eenzaamheid",
    "zorgmijding",
    "geldzorgen",
    "verwaarlozing",
    "mantelzorg",
    "geheugen",
    "psychisch",
    "opvoeding",
    "overlast",
    "overig",
)
ROLES: tuple[str, ...] = ("bewoner", "raadslid", "teamlid", "coordinator")
STATUSES: tuple[str, ...] = ("nieuw", "opgepakt", "afgerond", "doorgestuurd", "heropend")
CONSENT_PURPOSES: tuple[str, ...] = ("melden", "contact", "vrijwilliger", "anoniem")

_POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$")
_ZERO_POSTCODE = re.compile(r"^\s*0[0-9]{3}\s*([A-Za-z]{2})?\s*$")


@dataclass(frozen=True)
class Postcode:
    """A Dutch postcode: always the four digits, the two letters when known."""

    digits: str
    letters: str | None = None

    def __str__(self) -> str:
        return f"{self.digits} {self.letters}" if self.letters else self.digits

    @property
    def compact(self) -> str:
        return self.digits + (self.letters or "")


def parse_postcode(text: str) -> Postcode | None:
    """Read ``1234 AB``, ``1234ab``, ``1234AB`` or ``1234``; ``None`` if it is no postcode."""
    match = _POSTCODE.match(text)
    if not match:
        return None
    letters = match.group(2)
    return Postcode(match.group(1), letters.upper() if letters else None)


def starts_with_zero(text: str) -> bool:
    """Shaped like a postcode (``0000``, ``0123 AB``) but no Dutch postcode begins with 0: the
    answer then needs another explanation than "four digits, sometimes two letters"."""
    return _ZERO_POSTCODE.match(text) is not None
