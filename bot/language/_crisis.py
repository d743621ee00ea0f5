"""Crisis detection: acute danger, violence or suicide, in any free text, before anything else.

Recall comes first: negation is not applied, and a single cue is enough. Idioms that look like a
crisis but are not ("ik schrik me dood", "ik sla de borrel over") are listed under
``not_crisis``; the words such an idiom covers cannot make a crisis cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.language._cues import CUES_DIR, load_cue_file
from bot.language._text import Cue, Lexicon, tokenize, words

CRISES: tuple[str, ...] = ("acuut", "geweld", "zelfdoding")
NOT_CRISIS = "not_crisis"


@dataclass(frozen=True)
class Crisis:
    """The crisis ids found, most urgent first, and the resident's words that found them."""

    ids: tuple[str, ...]
    cues: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.ids)


class CrisisDetector:
    def __init__(self, cues: dict[str, list[Cue]]) -> None:
        self.cues = {crisis: cues[crisis] for crisis in CRISES}
        self.exceptions = cues.get(NOT_CRISIS, [])
        self.lexicon = Lexicon(c for found in cues.values() for c in found)

    @classmethod
    def from_file(cls, path: Path = CUES_DIR / "crisis.yaml") -> CrisisDetector:
        return cls(load_cue_file(path, CRISES, extra=(NOT_CRISIS,)))

    def detect(self, text: str) -> Crisis:
        """The crisis ids found (in the order of :data:`CRISES`) and the cues that found them."""
        tokens = tokenize(text)
        matched = self.lexicon.match_sets(tokens)
        excused = {
            i for cue in self.exceptions for match in cue.find(tokens, matched) for i in match
        }
        ids: list[str] = []
        cues: list[str] = []
        for crisis, crisis_cues in self.cues.items():
            for cue in crisis_cues:
                for match in cue.find(tokens, matched):
                    if excused.intersection(match):
                        continue
                    if crisis not in ids:
                        ids.append(crisis)
                    cues.append(words(tokens, match))
        return Crisis(tuple(ids), tuple(dict.fromkeys(cues)))
