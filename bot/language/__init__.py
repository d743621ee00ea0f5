"""Understanding the resident's own Dutch: category suggestion and crisis detection.

Both read editable cue lists in ``config/cues/``; no network, no model, deterministic.
"""

from __future__ import annotations

from bot.language._classify import SUGGEST_THRESHOLD, Classifier, Suggestion
from bot.language._crisis import CRISES, Crisis, CrisisDetector
from bot.language._cues import CUES_DIR, load_cue_file
from bot.language._text import compile_cue, tokenize

__all__ = [
    "CRISES",
    "CUES_DIR",
    "SUGGEST_THRESHOLD",
    "Classifier",
    "Crisis",
    "CrisisDetector",
    "Suggestion",
    "compile_cue",
    "load_cue_file",
    "tokenize",
]
