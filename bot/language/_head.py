"""The trained head: logistic regressions on the sentence vectors, kept in one small file.

``bot/language/head.npz`` holds, for the embedder it was trained on:

- a multinomial regression over the ten categories (weights and bias);
- one binary regression per crisis id with its threshold (deliberately low: recall first);
- what it was trained from: the SHA-256 of the labelled files, the seed and the settings.

Reading it needs numpy only; training it (``make model``) needs scikit-learn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.errors import ModelUnavailable

HEAD_FILE = Path(__file__).resolve().parent / "head.npz"
Matrix = NDArray[np.float64]


def softmax(logits: Matrix) -> Matrix:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


def sigmoid(logits: Matrix) -> Matrix:
    return 1.0 / (1.0 + np.exp(-logits))


@dataclass(frozen=True)
class Head:
    """The regressions on one embedder's vectors, and where they came from."""

    embedder: str
    categories: tuple[str, ...]
    category_weights: Matrix  # (categories, dim)
    category_bias: Matrix  # (categories,)
    crises: tuple[str, ...]
    crisis_weights: Matrix  # (crises, dim)
    crisis_bias: Matrix  # (crises,)
    crisis_thresholds: Matrix  # (crises,)
    data_hash: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """Short and stable: the embedder and the first digits of the training data's hash."""
        return f"{self.embedder}/{self.data_hash[:12]}"

    def category_probabilities(self, vectors: NDArray[Any]) -> Matrix:
        """(n, categories): how likely each category is, per text."""
        return softmax(
            np.asarray(vectors, dtype=np.float64) @ self.category_weights.T + self.category_bias
        )

    def crisis_scores(self, vectors: NDArray[Any]) -> Matrix:
        """(n, crises): each crisis id's probability, per text (compare with the thresholds)."""
        return sigmoid(
            np.asarray(vectors, dtype=np.float64) @ self.crisis_weights.T + self.crisis_bias
        )

    def save(self, path: Path = HEAD_FILE) -> None:
        meta = {
            "embedder": self.embedder,
            "categories": list(self.categories),
            "crises": list(self.crises),
            "data_hash": self.data_hash,
            "settings": self.settings,
        }
        with path.open("wb") as fp:
            np.savez_compressed(
                fp,
                meta=np.array(json.dumps(meta, sort_keys=True)),
                category_weights=self.category_weights.astype(np.float32),
                category_bias=self.category_bias.astype(np.float32),
                crisis_weights=self.crisis_weights.astype(np.float32),
                crisis_bias=self.crisis_bias.astype(np.float32),
                crisis_thresholds=self.crisis_thresholds,
            )

    @classmethod
    def load(cls, path: Path = HEAD_FILE) -> Head:
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = {
                    name: np.asarray(data[name], dtype=np.float64)
                    for name in (
                        "category_weights",
                        "category_bias",
                        "crisis_weights",
                        "crisis_bias",
                        "crisis_thresholds",
                    )
                }
            head = cls(
                meta["embedder"],
                tuple(meta["categories"]),
                crises=tuple(meta["crises"]),
                data_hash=meta["data_hash"],
                settings=meta["settings"],
                **arrays,
            )
        except Exception as exc:  # a damaged file can fail in many ways (zip, npy, JSON)
            raise ModelUnavailable(f"{path}: {type(exc).__name__}: {exc}") from None
        shapes = (
            head.category_weights.shape[0] == len(head.categories) == head.category_bias.shape[0]
            and head.crisis_weights.shape[0] == len(head.crises) == head.crisis_thresholds.shape[0]
        )
        if not shapes:
            raise ModelUnavailable(f"{path}: the arrays do not fit together")
        return head
