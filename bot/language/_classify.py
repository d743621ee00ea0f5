"""Category suggestion: which of the ten categories a free text is about, and why.

Every cue of a category that occurs in the text, not negated and not inside an ``ignore``
phrase ("ik maak me zorgen"), adds its weight (strong 2,
ordinary 1, weak 0.5) to that category's score; a token counts once per category, longer cues
first. The suggestion is the highest score; its confidence is ``s1 / (s1 + s2 + 1)`` with
``s2`` the runner-up, so one ordinary cue alone gives 0.5, and a close second lowers it. Nothing
found suggests ``overig`` with confidence 0. The resident always decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bot.domain import CATEGORIES
from bot.language._cues import CUES_DIR, load_cue_file
from bot.language._text import Cue, CueIndex, Lexicon, Token, tokenize, words

NEGATORS = frozenset({"niet", "geen", "nooit", "niks", "niets", "zonder", "nergens", "allerminst"})
NEGATION_REACH = 2
SUGGEST_THRESHOLD = 0.5
FALLBACK = "overig"
IGNORE = "ignore"  # phrases whose words are no cue at all ("ik maak me zorgen")


@dataclass(frozen=True)
class Suggestion:
    """The best category, how sure (0 to 1), the resident's words that pointed to it, and the
    categories to ask about: one ("Gaat het over ...?"), two ("... of over ...?") or none (all
    ten are shown)."""

    category: str
    confidence: float
    cues: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)
    ask: tuple[str, ...] = ()
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = "cues"

    @property
    def confident(self) -> bool:
        """Whether to ask about one or two categories instead of showing every category."""
        return bool(self.ask)

    @property
    def second(self) -> str | None:
        return self.ask[1] if len(self.ask) > 1 else None

    def words_for(self, categories: tuple[str, ...]) -> tuple[str, ...]:
        """The resident's own words that matched cues of these categories, without repeats."""
        return tuple(dict.fromkeys(w for c in categories for w in self.words.get(c, ())))


def negated(tokens: list[Token], match: tuple[int, ...]) -> bool:
    """A negator up to two words before the match, in the same clause, not part of it."""
    start = match[0]
    for i in range(max(0, start - NEGATION_REACH), start):
        if tokens[i].clause == tokens[start].clause and tokens[i].surface in NEGATORS:
            return True
    return False


class Classifier:
    """Suggests a category from the cue lists in ``config/cues/categories.yaml``."""

    def __init__(self, cues: dict[str, list[Cue]]) -> None:
        self.categories = [category for category in cues if category != IGNORE]
        self.cues = CueIndex(
            {
                IGNORE: cues.get(IGNORE, []),
                **{
                    category: sorted(cues[category], key=lambda c: (-len(c.terms), -c.weight))
                    for category in self.categories
                },
            }
        )
        self.lexicon = Lexicon(c for found in cues.values() for c in found)

    @classmethod
    def from_file(cls, path: Path = CUES_DIR / "categories.yaml") -> Classifier:
        return cls(load_cue_file(path, CATEGORIES, extra=(IGNORE,)))

    def classify(self, text: str, *, linear: bool = False) -> Suggestion:
        """The suggestion from the cues. Only the cues whose first word occurs are tried;
        ``linear`` tries every cue (the reference the index is tested against)."""
        tokens = tokenize(text)
        matched = self.lexicon.match_sets(tokens)
        tried = self.cues.candidates(matched, linear=linear)
        ignored = {i for cue in tried[IGNORE] for match in cue.find(tokens, matched) for i in match}
        scores: dict[str, float] = {}
        found: dict[str, list[tuple[int, str]]] = {}
        for category in self.categories:
            used = set(ignored)
            for cue in tried[category]:
                for match in cue.find(tokens, matched):
                    if used.intersection(match) or negated(tokens, match):
                        continue
                    used.update(match)
                    scores[category] = scores.get(category, 0.0) + cue.weight
                    found.setdefault(category, []).append((match[0], words(tokens, match)))
        if not scores:
            return Suggestion(FALLBACK, 0.0, (), {})
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], CATEGORIES.index(kv[0])))
        best, s1 = ranked[0]
        s2 = ranked[1][1] if len(ranked) > 1 else 0.0
        in_order = {
            category: tuple(dict.fromkeys(text for _pos, text in sorted(hits)))
            for category, hits in found.items()
        }
        confidence = round(s1 / (s1 + s2 + 1), 2)
        ask = (best,) if confidence >= SUGGEST_THRESHOLD and best != FALLBACK else ()
        return Suggestion(best, confidence, in_order[best], scores, ask, in_order)
