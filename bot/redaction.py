"""Finding personal details in a free text before it is sent, so the resident can remove them.

Phone numbers (the phonenumbers package, Dutch by default, and any Dutch phone shape whether its
range is assigned or not: a resident who types a number means a number), e-mail addresses, a
postcode with a house number, a street with a house number, and BSN-like numbers (nine digits
that pass the eleven test). Names are the team's to ask about, not the text's.
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
# A Dutch number's shape: 0, +31 or 0031 (with an optional "(0)"), then nine digits, with at most
# a space, dot, dash or slash (or a closing bracket) between them.
_SEP = r"(?:[ \t]?[.\-/]?[ \t]?|\)[ \t]?)"
_PHONE_SHAPE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)[ \t]?31[ \t]?[.\-]?[ \t]?(?:\(0\)" + _SEP + r")?|\(?0)"
    r"[1-9](?:" + _SEP + r"\d){8}(?!\d)"
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
    for match in _PHONE_SHAPE.finditer(text):
        found.append(Finding("phone", match.group(), match.start(), match.end()))
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


_POSTCODE = re.compile(r"\b[1-9]\d{3}\s?[A-Za-z]{2}\b|\b[1-9]\d{3}\b(?=\s+[A-Z])")
_TITLED = re.compile(
    r"\b(?i:meneer|mevrouw|mw|mevr|dhr|de heer|juffrouw|tante|oom|opa|oma)\.?\s+"
    r"([A-Z][\w'-]+(?:\s(?:van|de|der|den|ter|ten)\s[A-Z][\w'-]+|\s[A-Z][\w'-]+)?)"
)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zà-ÿ'-]{1,}\b")
_NOT_NAMES = frozenset(
    {"Ik", "Wmo", "Telegram", "Het", "De", "Een", "Ze", "Hij", "Zij", "We", "Wij", "Dat", "Die"}
)


def find_names_and_places(text: str) -> list[Finding]:
    """Likely names (after a title, or a capital inside a sentence) and bare postcodes.

    Deliberately eager: in a council member's notes a wrongly removed word costs little, a name
    left in costs a client's privacy.
    """
    found = [Finding("postcode", m.group(), m.start(), m.end()) for m in _POSTCODE.finditer(text)]
    for m in _TITLED.finditer(text):
        found.append(Finding("name", m.group(1), m.start(1), m.end(1)))
    for m in _CAPITALISED.finditer(text):
        if m.group() not in _NOT_NAMES:
            found.append(Finding("name", m.group(), m.start(), m.end()))
    return found


def clean_open_answer(text: str, replacement: str) -> tuple[str, list[Finding]]:
    """``text`` without names, phone numbers, e-mail, addresses or postcodes; what was removed."""
    findings = [*find_details(text), *find_names_and_places(text)]
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return remove_details(text, kept, replacement), kept
