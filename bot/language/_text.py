"""Text as the cue lists see it: tokens with their lemma, and cue patterns to match.

The cue files are Dutch (``crisis.yaml``) or English (``crisis.en.yaml``); a text is tokenised
with the lemmatiser of each cue file's language.

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
from collections.abc import Iterable
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
def lemma(word: str, lang: str = "nl") -> str:
    """The folded lemma of a folded word, in ``lang`` (Dutch unless said otherwise)."""
    return fold(simplemma.lemmatize(word, lang=lang))


@dataclass(frozen=True)
class Token:
    text: str  # as written, in lower case
    surface: str  # folded: lower case, no accents
    lemma: str
    clause: int


def tokenize(text: str, lang: str = "nl") -> list[Token]:
    """Words of ``text`` with their lemma in ``lang`` and the number of their clause."""
    tokens: list[Token] = []
    clause = 0
    for raw in _WORD.findall(text.casefold()):
        folded = fold(raw)
        if folded in _CLAUSE_BREAKS:
            clause += 1
            if len(folded) == 1:
                continue
        tokens.append(Token(raw, folded, lemma(folded, lang), clause))
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


class Lexicon:
    """Every term of a set of cues, indexed, so that each token is looked up once.

    A token matches a term by written form, by lemma (unless the term is ``=exact``), as a
    compound ending in a form of 5 letters or more, or as a near form of 7 letters or more
    (same first letter, one edit).
    """

    def __init__(self, cues: Iterable[Cue]) -> None:
        self.by_form: dict[str, set[int]] = {}
        self.by_lemma: dict[str, set[int]] = {}
        self.by_suffix: dict[str, set[int]] = {}
        self.near: dict[tuple[str, int], list[tuple[str, int]]] = {}
        for cue in cues:
            for term in cue.terms:
                key = id(term)
                for form in term.forms:
                    self.by_form.setdefault(form, set()).add(key)
                    if term.exact:
                        continue
                    if len(form) >= COMPOUND_MIN_LENGTH:
                        self.by_suffix.setdefault(form, set()).add(key)
                    if len(form) >= FUZZY_MIN_LENGTH:
                        self.near.setdefault((form[0], len(form)), []).append((form, key))
                if not term.exact:
                    for lem in term.lemmas:
                        self.by_lemma.setdefault(lem, set()).add(key)

    def lookup(self, token: Token) -> set[int]:
        """The ids of the terms that ``token`` matches."""
        word = token.surface
        found = set(self.by_form.get(word, ()))
        found |= self.by_lemma.get(token.lemma, set()) | self.by_lemma.get(word, set())
        for start in range(1, len(word) - COMPOUND_MIN_LENGTH + 1):
            found |= self.by_suffix.get(word[start:], set())
        for length in (len(word) - 1, len(word), len(word) + 1):
            for form, key in self.near.get((word[:1], length), ()):
                if key not in found and Levenshtein.distance(form, word) <= FUZZY_MAX_EDITS:
                    found.add(key)
        return found

    def match_sets(self, tokens: list[Token]) -> list[set[int]]:
        return [self.lookup(token) for token in tokens]


@dataclass(frozen=True)
class Cue:
    """A cue as written in a data file, ready to match."""

    text: str
    terms: tuple[Term, ...]
    weight: float = 1.0

    def find(
        self, tokens: list[Token], matched: list[set[int]] | None = None
    ) -> list[tuple[int, ...]]:
        """Every match: the positions of the tokens it covers (greedy, left to right).

        ``matched`` is what a :class:`Lexicon` holding this cue found for each token; without
        it, each term is tried on each token.
        """
        if matched is None:
            matched = Lexicon([self]).match_sets(tokens)
        first = id(self.terms[0])
        found = []
        for start in range(len(tokens)):
            if first not in matched[start]:
                continue
            positions = [start]
            for term in self.terms[1:]:
                last = positions[-1]
                key = id(term)
                window = range(last + 1, min(len(tokens), last + 2 + term.gap_before))
                hit = next((i for i in window if key in matched[i]), None)
                if hit is None:
                    break
                positions.append(hit)
            else:
                found.append(tuple(positions))
        return found


class CueIndex:
    """Named lists of cues, indexed by the id of each cue's first term.

    A cue can only match where a token matches its first term, so a text need only try the
    cues whose first term one of its tokens matched. They come in list order, and find exactly
    what trying every cue of each list would.
    """

    def __init__(self, groups: dict[str, list[Cue]]) -> None:
        self.groups = {name: list(cues) for name, cues in groups.items()}
        self.by_first: dict[int, list[tuple[str, int]]] = {}
        for name, cues in self.groups.items():
            for position, cue in enumerate(cues):
                self.by_first.setdefault(id(cue.terms[0]), []).append((name, position))

    def candidates(self, matched: list[set[int]], *, linear: bool = False) -> dict[str, list[Cue]]:
        """Each list with only the cues that can match, given what a :class:`Lexicon` holding
        them found for each token; every cue when ``linear`` (the reference the index is
        tested against)."""
        if linear:
            return self.groups
        hits: dict[str, list[int]] = {name: [] for name in self.groups}
        for key in set().union(*matched):
            for name, position in self.by_first.get(key, ()):
                hits[name].append(position)
        return {name: [self.groups[name][p] for p in sorted(hits[name])] for name in hits}


def compile_cue(text: str, weight: float = 1.0, lang: str = "nl") -> Cue:
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
        terms.append(Term(forms, frozenset(lemma(f, lang) for f in forms), exact, gap))
        gap = NEAR_GAP
    if not terms:
        raise ValueError(text)
    return Cue(text, tuple(terms), weight)
