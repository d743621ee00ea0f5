"""Reading a resident's text: the cue lists and the sentence model together.

- **Crisis: two nets, either one is enough.** The cue lists (Dutch and English) and the model's
  crisis regressions with a deliberately low threshold per crisis id.
- **Category: the model decides, the cue words explain.** The model's probabilities and the cue
  scores are blended (:class:`Blend`, chosen by cross-validation on the training data); the
  resident is asked about one category, about the two best when they are close, or shown all
  ten. The words shown are the resident's own cue words for the categories asked about; when no
  cue matched them the bot says the suggestion comes from the message as a whole.

The model is loaded once. Its vectors are computed off the event loop (:meth:`Language.prepare`
runs them in a one-thread executor) and kept for the last few texts, so the crisis check and the
suggestion of one turn embed the text once. When the model cannot be loaded the bot reads with
the cue lists alone and says so once in the log; ``wijksignaal check`` reports it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.domain import CATEGORIES
from bot.errors import ModelUnavailable
from bot.language._classify import FALLBACK, Classifier, Suggestion
from bot.language._crisis import CRISES, Crisis, CrisisDetector
from bot.language._head import HEAD_FILE, Head
from bot.language._model import Embedder, load_embedder

log = logging.getLogger(__name__)
CACHE_SIZE = 256
MODEL_HEAD_CHARS = 1000  # a long text is read by the model as its start and its end, so that
MODEL_TAIL_CHARS = 500  # its cost stays bounded and a crisis told at the end is still read
MODEL_MIN_WORDS = 3  # shorter answers (a postcode, "ja", a number) are read by the cues alone
_WORD = re.compile(r"[^\W\d_]+")


def model_text(text: str) -> str:
    """What the model reads of a text: valid UTF-8 (a lone surrogate becomes '?'), and for a
    long text its first and last part."""
    clean = text.encode("utf-8", "replace").decode("utf-8")
    if len(clean) <= MODEL_HEAD_CHARS + MODEL_TAIL_CHARS:
        return clean
    return clean[:MODEL_HEAD_CHARS] + " … " + clean[-MODEL_TAIL_CHARS:]


@dataclass(frozen=True)
class Blend:
    """How the model's probabilities and the cue scores make one suggestion.

    ``combined = p_model + cue_weight * cue_score / (total cue score + 1)``, normalised. Ask about
    one category when its share is at least ``one``; about the best two when together they reach
    ``two``; else show all ten. Chosen by five-fold cross-validation on the training files
    (docs/classifier.md): asking about one category was then right 9 times in 10, about two
    8.5 times in 10, and all ten were shown for about 1 message in 12.
    """

    cue_weight: float = 0.5
    one: float = 0.6
    two: float = 0.7


class Model:
    """An embedder and the head trained on its vectors."""

    def __init__(self, embedder: Embedder, head: Head) -> None:
        if head.embedder != embedder.name:
            raise ModelUnavailable(
                f"the head was trained on '{head.embedder}', not on '{embedder.name}'"
            )
        fits = (
            head.categories == CATEGORIES
            and set(head.crises) <= set(CRISES)
            and head.category_weights.shape == (len(CATEGORIES), embedder.dim)
            and head.crisis_weights.shape == (len(head.crises), embedder.dim)
            and head.category_bias.shape == (len(CATEGORIES),)
            and head.crisis_bias.shape == head.crisis_thresholds.shape == (len(head.crises),)
        )
        if not fits:
            raise ModelUnavailable(
                "the head does not fit this version's categories, crisis ids or model"
            )
        self.embedder = embedder
        self.head = head

    @classmethod
    def load(cls, head_file: Path = HEAD_FILE) -> Model:
        head = Head.load(head_file)
        return cls(load_embedder(head.embedder), head)

    @property
    def name(self) -> str:
        return self.embedder.version

    def vectors(self, texts: list[str]) -> NDArray[np.float32]:
        return self.embedder.embed(texts)


class Language:
    """Crisis check and category suggestion for any free text."""

    def __init__(
        self,
        classifier: Classifier,
        detector: CrisisDetector,
        model: Model | None = None,
        problem: str | None = None,
        blend: Blend = Blend(),
    ) -> None:
        self.classifier = classifier
        self.detector = detector
        self.model = model
        self.problem = problem
        self.blend = blend
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def load(cls, *, model: bool = True, head_file: Path = HEAD_FILE) -> Language:
        """The cue lists (an error if they are broken) and, when it loads, the model."""
        classifier, detector = Classifier.from_file(), CrisisDetector.from_files()
        if not model:
            return cls(classifier, detector, None, "the model was switched off")
        try:
            return cls(classifier, detector, Model.load(head_file))
        except ModelUnavailable as exc:
            problem = "; ".join(exc.problems)
            log.warning(
                "language model not loaded (%s): reading with the cue lists alone, "
                "so suggestions and crisis checks are weaker",
                problem,
            )
            return cls(classifier, detector, None, problem)

    def describe(self) -> dict[str, Any]:
        """Which model and head answer (``None`` and the reason when only the cue lists do)."""
        if self.model is None:
            return {"model": None, "head": None, "problem": self.problem}
        return {"model": self.model.name, "head": self.model.head.version, "problem": None}

    # -- vectors -----------------------------------------------------------------------------
    #
    # The cache is keyed by a digest of the text, so no resident's words stay in memory here.

    @staticmethod
    def key(text: str) -> str:
        """The cache key of a text: a SHA-256 digest, never the text itself."""
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _remember(self, key: str, vector: NDArray[np.float32]) -> NDArray[np.float32]:
        self._cache[key] = vector
        self._cache.move_to_end(key)
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return vector

    def reads(self, text: str) -> bool:
        """Whether the model reads this text (it has a model, and the text a few words)."""
        return self.model is not None and len(_WORD.findall(text)) >= MODEL_MIN_WORDS

    def _embed(self, texts: list[str]) -> NDArray[np.float32] | None:
        """Vectors of the texts as the model reads them (clipped, cleaned); ``None`` and one
        log line when the model fails, so that the cue lists answer instead of an error."""
        assert self.model is not None
        try:
            return self.model.vectors([model_text(t) for t in texts])
        except Exception:
            log.exception("the language model failed on a text; the cue lists read it alone")
            return None

    def vector(
        self, text: str, *, compute: bool = True, key: str | None = None
    ) -> NDArray[np.float32] | None:
        """The text's vector from the cache (looked up by ``key`` when given); computed here
        only when ``compute`` (the command line, measuring). ``None`` when the model does not
        read the text or it is not ready: in a turn, the cue lists then read it alone."""
        if self.model is None or not self.reads(text):
            return None
        found = self._cache.get(key or self.key(text))
        if found is not None or not compute:
            return found
        vectors = self._embed([text])
        return None if vectors is None else self._remember(self.key(text), vectors[0])

    async def prepare(self, text: str) -> None:
        """Compute the text's vector off the event loop, for the checks that follow.

        The engine calls this before the turn takes the database, never inside it.
        """
        if self.model is None or not self.reads(text) or self.key(text) in self._cache:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed")
        loop = asyncio.get_running_loop()
        vectors = await loop.run_in_executor(self._executor, self._embed, [text])
        if vectors is not None:
            self._remember(self.key(text), vectors[0])

    def warm(self, texts: list[str]) -> None:
        """Embed several texts at once into the cache (for measuring many messages)."""
        todo = [t for t in dict.fromkeys(texts) if self.reads(t) and self.key(t) not in self._cache]
        if self.model is None or not todo:
            return
        vectors = self._embed(todo)
        for text, vector in zip(todo, vectors if vectors is not None else [], strict=False):
            self._remember(self.key(text), vector)

    def forget(self) -> None:
        """Empty the cache of vectors (for measuring)."""
        self._cache.clear()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    # -- reading -----------------------------------------------------------------------------

    def crisis(self, text: str, *, compute: bool = True) -> Crisis:
        """Every crisis id that either net finds, most urgent first."""
        by_cues = self.detector.detect(text)
        vector = self.vector(text, compute=compute)
        by_model: set[str] = set()
        if vector is not None and self.model is not None:
            head = self.model.head
            scores = head.crisis_scores(vector[None, :])[0]
            by_model = {
                c
                for c, s, t in zip(head.crises, scores, head.crisis_thresholds, strict=True)
                if s >= t
            }
        ids = tuple(c for c in CRISES if c in by_model or c in by_cues.ids)
        nets = (*(("cues",) if by_cues else ()), *(("model",) if by_model else ()))
        return Crisis(ids, by_cues.cues, nets)

    def suggest(self, text: str, *, compute: bool = True, key: str | None = None) -> Suggestion:
        """The category suggestion: the model decides, the cue words explain. ``key`` names the
        vector to use (that of the text as typed, when redaction changed it since)."""
        by_cues = self.classifier.classify(text)
        vector = self.vector(text, compute=compute, key=key)
        if vector is None or self.model is None:
            return by_cues
        probabilities = self.model.head.category_probabilities(vector[None, :])[0]
        combined = self.combine(probabilities, by_cues.scores)
        return self.decide(combined, by_cues)

    def combine(self, probabilities: NDArray[Any], cue_scores: dict[str, float]) -> NDArray[Any]:
        """The model's probabilities plus the weighted share of each category's cue score."""
        total = sum(cue_scores.values())
        cues = np.array([cue_scores.get(c, 0.0) for c in CATEGORIES]) / (total + 1.0)
        combined = np.asarray(probabilities, dtype=np.float64) + self.blend.cue_weight * cues
        return combined / combined.sum()  # type: ignore[no-any-return]

    def decide(self, combined: NDArray[Any], by_cues: Suggestion) -> Suggestion:
        order = np.argsort(-combined, kind="stable")
        best, runner = CATEGORIES[int(order[0])], CATEGORIES[int(order[1])]
        p1, p2 = float(combined[order[0]]), float(combined[order[1]])
        blend = self.blend
        ask: tuple[str, ...] = ()
        if p1 >= blend.one:
            ask = (best,)
        elif p1 + p2 >= blend.two:
            ask = (best, runner)
        if FALLBACK in ask:
            ask = ()  # "Gaat het over iets anders?" is no question: show all ten instead
        source = "model+cues" if by_cues.words.get(best) else "model"
        return Suggestion(
            best,
            round(p1, 2),
            by_cues.words.get(best, ()),
            {c: round(float(p), 4) for c, p in zip(CATEGORIES, combined, strict=True)},
            ask,
            by_cues.words,
            source,
        )
