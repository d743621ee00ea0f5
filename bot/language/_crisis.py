"""Crisis cues: acute danger, violence or suicide, in any free text, before anything else.

Recall comes first: negation is not applied, and a single cue is enough. Idioms that look like a
crisis but are not ("ik schrik me dood", "ik sla de borrel over") are listed under
``not_crisis``; the words such an idiom covers cannot make a crisis cue. There is one cue file
per language the bot speaks (``crisis.yaml`` in Dutch, ``crisis.en.yaml`` in English); a text is
read with every one of them, so no language has to be named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.language._cues import CUES_DIR, load_cue_file
from bot.language._text import Cue, CueIndex, Lexicon, tokenize, words

CRISES: tuple[str, ...] = ("acuut", "geweld", "zelfdoding")
NOT_CRISIS = "not_crisis"
CRISIS_FILES: dict[str, str] = {"nl": "crisis.yaml", "en": "crisis.en.yaml"}


@dataclass(frozen=True)
class Crisis:
    """The crisis ids found, most urgent first, the resident's words that found them, and which
    nets spoke (``cues``, ``model``)."""

    ids: tuple[str, ...]
    cues: tuple[str, ...]
    nets: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ids)


@dataclass(frozen=True)
class _Net:
    lang: str
    cues: CueIndex  # the crisis ids' cues and the not_crisis idioms
    lexicon: Lexicon


class CrisisDetector:
    """The cue net: crisis cue lists in one or more languages."""

    def __init__(self, cues: dict[str, list[Cue]], lang: str = "nl") -> None:
        self.nets: list[_Net] = []
        self.add(cues, lang)

    def add(self, cues: dict[str, list[Cue]], lang: str) -> None:
        """Read texts with these cues too (a cue file of another language)."""
        groups = {crisis: cues[crisis] for crisis in CRISES}
        groups[NOT_CRISIS] = cues.get(NOT_CRISIS, [])
        self.nets.append(
            _Net(lang, CueIndex(groups), Lexicon(c for found in cues.values() for c in found))
        )

    @classmethod
    def from_file(
        cls, path: Path = CUES_DIR / CRISIS_FILES["nl"], lang: str = "nl"
    ) -> CrisisDetector:
        return cls(load_cue_file(path, CRISES, extra=(NOT_CRISIS,), lang=lang), lang)

    @classmethod
    def from_files(cls, directory: Path = CUES_DIR) -> CrisisDetector:
        """Every language's cue file in ``directory``."""
        detector: CrisisDetector | None = None
        for lang, name in CRISIS_FILES.items():
            cues = load_cue_file(directory / name, CRISES, extra=(NOT_CRISIS,), lang=lang)
            if detector is None:
                detector = cls(cues, lang)
            else:
                detector.add(cues, lang)
        assert detector is not None
        return detector

    def detect(self, text: str, *, linear: bool = False) -> Crisis:
        """The crisis ids found (in the order of :data:`CRISES`) and the cues that found them.

        Only the cues whose first word occurs are tried; ``linear`` tries every cue (the
        reference the index is tested against).
        """
        found: set[str] = set()
        cues: list[str] = []
        for net in self.nets:
            tokens = tokenize(text, net.lang)
            matched = net.lexicon.match_sets(tokens)
            tried = net.cues.candidates(matched, linear=linear)
            excused = {
                i for cue in tried[NOT_CRISIS] for match in cue.find(tokens, matched) for i in match
            }
            for crisis in CRISES:
                for cue in tried[crisis]:
                    for match in cue.find(tokens, matched):
                        if excused.intersection(match):
                            continue
                        found.add(crisis)
                        cues.append(words(tokens, match))
        ids = tuple(crisis for crisis in CRISES if crisis in found)
        return Crisis(ids, tuple(dict.fromkeys(cues)), ("cues",) if ids else ())
