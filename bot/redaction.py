"""Finding personal details in a free text before it is sent, so the resident can remove them.

Phone numbers (the phonenumbers package, Dutch by default), e-mail addresses, a postcode with a
house number, a street with a house number, and BSN-like numbers (nine digits that pass the
eleven test). Names are the team's to ask about, not the text's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE_HOUSE = re.compile(r"\b[1-9]\d{3}\s?[A-Za-z]{2}\s*,?\s+\d{1,5}(?:\s?[A-Za-z]\b)?")
_STREET = re.compile(
    r"\b[A-Z][\w'-]*(?:\s[A-Z][\w'-]*)?"
    r"(?:straat|laan|weg|plein|gracht|kade|singel|dijk|hof|park|steeg|pad|dreef|baan|markt|"
    r"pleintje|erf|zijde|wal|burgwal|dam)"
    r"\s+\d{1,5}(?:\s?[A-Za-z]\b)?"
)
_DIGITS = re.compile(r"(?<![\d-])\d{3}[ .-]?\d{2}[ .-]?\d{4}(?![\d-])")


@dataclass(frozen=True)
class Finding:
    kind: str  # phone, email, address, bsn
    text: str
    start: int
    end: int


def passes_eleven_test(digits: str) -> bool:
    """The BSN check: 9×d1 + 8×d2 + ... + 2×d8 − 1×d9 is a multiple of 11 (and not zero)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0 and total != 0


def find_details(text: str) -> list[Finding]:
    """Every personal detail found, in the order it stands in the text, without overlaps."""
    found: list[Finding] = []
    for number in phonenumbers.PhoneNumberMatcher(text, "NL"):
        found.append(Finding("phone", number.raw_string, number.start, number.end))
    for match in _EMAIL.finditer(text):
        found.append(Finding("email", match.group(), match.start(), match.end()))
    for pattern in (_POSTCODE_HOUSE, _STREET):
        for match in pattern.finditer(text):
            found.append(Finding("address", match.group(), match.start(), match.end()))
    for match in _DIGITS.finditer(text):
        if passes_eleven_test(re.sub(r"\D", "", match.group())):
            found.append(Finding("bsn", match.group(), match.start(), match.end()))
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


def remove_details(text: str, findings: list[Finding], replacement: str) -> str:
    """``text`` with every finding replaced."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + replacement + text[finding.end :]
    return text
