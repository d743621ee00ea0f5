"""Train the head on the labelled files: ``make model`` (``python -m bot.language.train``).

Reproducible: the same files, embedder and seed give the same head. It prints what it did and
the cross-validated figures on the training data (five folds): those tell whether training
worked, not how good the bot is on new text (docs/classifier.md has the held-out figures).

Needs scikit-learn (a development dependency); the bot itself reads the head with numpy only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.domain import CATEGORIES
from bot.language._crisis import CRISES
from bot.language._head import HEAD_FILE, Head
from bot.language._labelled import Labelled, data_hash, read_labelled, training_files
from bot.language._model import EMBEDDERS, load_embedder

SEED = 7
DEFAULT_EMBEDDER = "e5+use"
CATEGORY_C = 0.03  # chosen by five-fold cross-validation (docs/classifier.md)
CRISIS_C = 0.03
FOLDS = 5
CRISIS_FALSE_RATE = 0.02  # of messages without a crisis, for the model net alone


@dataclass(frozen=True)
class Settings:
    seed: int = SEED
    category_c: float = CATEGORY_C
    crisis_c: float = CRISIS_C
    crisis_false_rate: float = CRISIS_FALSE_RATE

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _standardised_fit(
    model: Any, vectors: NDArray[Any], labels: NDArray[Any]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fit on standardised vectors, then fold the scaling into the weights and bias."""
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0) + 1e-6
    model.fit((vectors - mean) / scale, labels)
    weights = model.coef_ / scale
    bias = model.intercept_ - weights @ mean
    return np.asarray(weights, dtype=np.float64), np.asarray(bias, dtype=np.float64)


def _category_model(settings: Settings) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=settings.category_c, max_iter=5000, random_state=settings.seed)


def _crisis_model(settings: Settings) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=settings.crisis_c, max_iter=5000, class_weight="balanced", random_state=settings.seed
    )


def _fit(
    rows: Sequence[Labelled], vectors: NDArray[Any], settings: Settings
) -> tuple[NDArray[np.float64], ...]:
    """Category weights and bias (ordered as CATEGORIES), crisis weights and bias."""
    with_category = np.array([row.category is not None for row in rows])
    labels = np.array([CATEGORIES.index(row.category) for row in rows if row.category is not None])
    cat_w, cat_b = _standardised_fit(_category_model(settings), vectors[with_category], labels)
    present = sorted(set(labels.tolist()))
    weights = np.zeros((len(CATEGORIES), vectors.shape[1]))
    bias = np.full(len(CATEGORIES), -1e3)  # a category without examples is never chosen
    weights[present], bias[present] = cat_w, cat_b
    crisis_w, crisis_b = [], []
    for crisis in CRISES:
        target = np.array([crisis in row.crisis for row in rows], dtype=int)
        w, b = _standardised_fit(_crisis_model(settings), vectors, target)
        crisis_w.append(w[0])
        crisis_b.append(b[0])
    return weights, bias, np.array(crisis_w), np.array(crisis_b)


def out_of_fold(
    rows: Sequence[Labelled], vectors: NDArray[Any], settings: Settings, folds: int = FOLDS
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Category probabilities and crisis scores of each row from a head that did not see it."""
    from sklearn.model_selection import StratifiedKFold

    from bot.language._head import sigmoid, softmax

    strata = [row.category or row.crisis[0] for row in rows]
    probabilities = np.zeros((len(rows), len(CATEGORIES)))
    scores = np.zeros((len(rows), len(CRISES)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=settings.seed)
    for train, test in splitter.split(np.zeros(len(rows)), strata):
        w, b, cw, cb = _fit([rows[i] for i in train], vectors[train], settings)
        probabilities[test] = softmax(vectors[test] @ w.T + b)
        scores[test] = sigmoid(vectors[test] @ cw.T + cb)
    return probabilities, scores


def crisis_thresholds(
    rows: Sequence[Labelled], scores: NDArray[np.float64], false_rate: float
) -> NDArray[np.float64]:
    """The lowest thresholds (one quantile of the scores of messages without a crisis, the same
    for every id) at which the model net alone raises at most ``false_rate`` false crises."""
    calm = scores[np.array([not row.crisis for row in rows])]
    chosen = np.quantile(calm, 1.0, axis=0)
    for level in np.linspace(0.80, 1.0, 401):
        thresholds = np.quantile(calm, level, axis=0)
        if (calm > thresholds).any(axis=1).mean() <= false_rate:
            chosen = thresholds
            break
    return np.asarray(chosen, dtype=np.float64)


def train(
    rows: Sequence[Labelled],
    vectors: NDArray[Any],
    embedder: str,
    hash_: str,
    settings: Settings = Settings(),
) -> tuple[Head, NDArray[np.float64], NDArray[np.float64]]:
    """The head on all rows, with crisis thresholds from out-of-fold scores; also returns the
    out-of-fold category probabilities and crisis scores for the report."""
    probabilities, scores = out_of_fold(rows, vectors, settings)
    thresholds = crisis_thresholds(rows, scores, settings.crisis_false_rate)
    w, b, cw, cb = _fit(rows, vectors, settings)
    head = Head(
        embedder,
        CATEGORIES,
        w,
        b,
        CRISES,
        cw,
        cb,
        thresholds,
        hash_,
        settings.as_dict(),
    )
    return head, probabilities, scores


def report(
    rows: Sequence[Labelled],
    probabilities: NDArray[np.float64],
    scores: NDArray[np.float64],
    thresholds: NDArray[np.float64],
) -> list[str]:
    """Cross-validated figures on the training data, as lines to print."""
    calm = [i for i, row in enumerate(rows) if not row.crisis]
    right = sum(
        CATEGORIES[int(probabilities[i].argmax())] in (rows[i].category, *rows[i].also)
        for i in calm
    )
    fired = scores > thresholds
    lines = [f"category accuracy (5-fold): {right / len(calm):.3f} ({right}/{len(calm)})"]
    for k, crisis in enumerate(CRISES):
        positive = [i for i, row in enumerate(rows) if crisis in row.crisis]
        found = int(fired[positive, k].sum())
        lines.append(
            f"crisis {crisis}: threshold {thresholds[k]:.3f}, found by the model alone "
            f"{found}/{len(positive)} (5-fold)"
        )
    false = int(fired[calm].any(axis=1).sum())
    lines.append(f"false crises by the model alone (5-fold): {false}/{len(calm)}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.language.train", description=__doc__)
    parser.add_argument("--embedder", choices=EMBEDDERS, default=DEFAULT_EMBEDDER)
    parser.add_argument("--out", type=Path, default=HEAD_FILE)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    files = training_files()
    rows = read_labelled(files)
    embedder = load_embedder(args.embedder)
    print(
        f"{len(rows)} labelled messages from {len(files)} files; embedding with {embedder.version}"
    )
    vectors = embedder.embed([row.text for row in rows]).astype(np.float64)
    settings = Settings(seed=args.seed)
    head, probabilities, scores = train(rows, vectors, embedder.name, data_hash(files), settings)
    for line in report(rows, probabilities, scores, head.crisis_thresholds):
        print(line)
    head.save(args.out)
    print(f"head {head.version} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
