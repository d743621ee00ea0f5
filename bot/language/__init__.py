"""Understanding what residents write: crisis check and category suggestion.

Two sources read every text: editable cue lists in ``config/cues/`` (Dutch and English), and a
multilingual sentence model whose weights ship inside an installed package, with a small head
trained on ``config/labelled/`` (``make model``). :class:`Language` combines them; without the
model, the cue lists work alone. No network, deterministic.
"""

from __future__ import annotations

from bot.language._classify import SUGGEST_THRESHOLD, Classifier, Suggestion
from bot.language._crisis import CRISES, Crisis, CrisisDetector
from bot.language._cues import CUES_DIR, load_cue_file
from bot.language._head import HEAD_FILE, Head
from bot.language._labelled import LABELLED_DIR, Labelled, data_hash, read_labelled, training_files
from bot.language._language import Blend, Language, Model
from bot.language._model import EMBEDDERS, Embedder, load_embedder
from bot.language._text import compile_cue, tokenize

__all__ = [
    "CRISES",
    "CUES_DIR",
    "EMBEDDERS",
    "HEAD_FILE",
    "LABELLED_DIR",
    "SUGGEST_THRESHOLD",
    "Blend",
    "Classifier",
    "Crisis",
    "CrisisDetector",
    "Embedder",
    "Head",
    "Labelled",
    "Language",
    "Model",
    "Suggestion",
    "compile_cue",
    "data_hash",
    "load_cue_file",
    "load_embedder",
    "read_labelled",
    "tokenize",
    "training_files",
]
