"""Dutch text as the classifier sees it: tokens with their lemma, and cue patterns to match.

A cue is written as words separated by spaces, matched in order:

- a word matches a token when their lemmas (simplemma, Dutch) or written forms are equal,
  accents ignored (``hygiene`` = ``hygiëne``); when a word of 7 letters or more is nearly equal
  (a typo: same first letter, one letter changed, added or left out: rapidfuzz's Levenshtein
  distance); or when the token is a compound ending in
  a word of 5 letters or more (``energierekening`` matches ``rekening``);
- ``a|b`` is either word; ``=rook`` matches the written form only (not ``roken``);
- at most one other word may stand between two words of a cue; ``...`` allows up to five.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import simplemma
from rapidfuzz.distance import Levenshtein

FUZZY_MIN_LENGTH = 7
FUZZY_MAX_EDITS = 1
COMPOUND_MIN_LENGTH = 5
NEAR_GAP = 1
FAR_GAP = 5

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|[.,;:!?]")
_CLAUSE_BREAKS = frozenset(".,;:!?") | {"maar", "terwijl", "omdat"}


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    """The folded Dutch lemma of a folded word."""
    return fold(simplemma.lemmatize(word, lang="nl"))


@dataclass(frozen=True)
class Token:
    text: str  # as written, in lower case
    surface: str  # folded: lower case, no accents
    lemma: str
    clause: int


def tokenize(text: str) -> list[Token]:
    """Words of ``text`` with their lemma and the number of the clause they stand in."""
    tokens: list[Token] = []
    clause = 0
    for raw in _WORD.findall(text.casefold()):
        folded = fold(raw)
        if folded in _CLAUSE_BREAKS:
            clause += 1
            if len(folded) == 1:
                continue
        tokens.append(Token(raw, folded, lemma(folded), clause))
    return tokens


def words(tokens: list[Token], match: tuple[int, ...]) -> str:
    """The resident's own words that a match covers, from its first to its last token."""
    return " ".join(t.text for t in tokens[match[0] : match[-1] + 1])


@dataclass(frozen=True)
class Term:
    """One word of a cue, with its alternatives."""

    forms: frozenset[str]
    lemmas: frozenset[str]
    exact: bool
    gap_before: int

    def matches(self, token: Token) -> bool:
        if token.surface in self.forms:
            return True
        if self.exact:
            return False
        if token.lemma in self.lemmas or token.surface in self.lemmas:
            return True
        for form in self.forms:
            if len(form) >= COMPOUND_MIN_LENGTH and token.surface.endswith(form):
                return True
            if (
                len(form) >= FUZZY_MIN_LENGTH
                and form[0] == token.surface[:1]
                and abs(len(form) - len(token.surface)) <= FUZZY_MAX_EDITS
                and Levenshtein.distance(form, token.surface) <= FUZZY_MAX_EDITS
            ):
                return True
        return False


@dataclass(frozen=True)
class Cue:
    """A cue as written in a data file, ready to match."""

    text: str
    terms: tuple[Term, ...]
    weight: float = 1.0

    def find(self, tokens: list[Token]) -> list[tuple[int, ...]]:
        """Every match: the positions of the tokens it covers (greedy, left to right)."""
        found = []
        for start, token in enumerate(tokens):
            if not self.terms[0].matches(token):
                continue
            positions = [start]
            for term in self.terms[1:]:
                last = positions[-1]
                window = range(last + 1, min(len(tokens), last + 2 + term.gap_before))
                hit = next((i for i in window if term.matches(tokens[i])), None)
                if hit is None:
                    break
                positions.append(hit)
            else:
                found.append(tuple(positions))
        return found


def compile_cue(text: str, weight: float = 1.0) -> Cue:
    """Turn a cue as written (see the module docs) into a :class:`Cue`; ValueError if empty."""
    terms: list[Term] = []
    gap = NEAR_GAP
    for word in fold(text).split():
        if word == "...":
            gap = FAR_GAP
            continue
        exact = word.startswith("=")
        forms = frozenset(w for w in word.lstrip("=").split("|") if w)
        if not forms:
            raise ValueError(text)
        terms.append(Term(forms, frozenset(lemma(f) for f in forms), exact, gap))
        gap = NEAR_GAP
    if not terms:
        raise ValueError(text)
    return Cue(text, tuple(terms), weight)
