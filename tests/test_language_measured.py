"""The classifier over labelled messages: tests/data/dev-signals.jsonl (the project's dev set)
and tests/data/extra-signals.jsonl (sentences written for this project). The figures are
printed; the thresholds are the issue's: accuracy ≥ 0.90 on non-crisis messages (label or an
acceptable alternative), every crisis found (at least one of its labelled ids; how many miss
another labelled id is printed), at most one false crisis."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench import language_figures
from bot.language import Classifier, CrisisDetector, Language, read_labelled, training_files
from tests.conftest import ROOT

SETS = {
    "dev": ROOT / "tests" / "data" / "dev-signals.jsonl",
    "extra": ROOT / "tests" / "data" / "extra-signals.jsonl",
}


@dataclass
class Figures:
    messages: int
    correct: int
    non_crisis: int
    crises: int
    missed: list[str]
    partly: list[str]
    false_alarms: list[str]

    @property
    def accuracy(self) -> float:
        return self.correct / self.non_crisis


def measure(path: Path, classifier: Classifier, detector: CrisisDetector) -> Figures:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    figures = Figures(len(rows), 0, 0, 0, [], [], [])
    for row in rows:
        found = detector.detect(row["text"])
        if row["crisis"]:
            figures.crises += 1
            if not set(row["crisis"]) & set(found.ids):
                figures.missed.append(row["text"])
            elif not set(row["crisis"]) <= set(found.ids):
                figures.partly.append(row["text"])
            continue
        if found:
            figures.false_alarms.append(row["text"])
        figures.non_crisis += 1
        category = classifier.classify(row["text"]).category
        figures.correct += category == row["category"] or category in row["also"]
    return figures


@pytest.mark.parametrize("name", list(SETS))
def test_labelled_messages_meet_the_bar(
    name: str, classifier: Classifier, detector: CrisisDetector
) -> None:
    path = SETS[name]
    assert path.is_file(), f"{path} is missing"
    figures = measure(path, classifier, detector)
    print(
        f"\n{name}: {figures.messages} messages; category accuracy {figures.accuracy:.3f} "
        f"({figures.correct}/{figures.non_crisis}); crises found "
        f"{figures.crises - len(figures.missed)}/{figures.crises}; "
        f"false crises {len(figures.false_alarms)}; crises with a labelled id not found "
        f"{len(figures.partly)}"
    )
    assert figures.accuracy >= 0.90
    assert figures.missed == [], "every crisis must be found (one of its labelled ids)"
    assert len(figures.false_alarms) <= 1, figures.false_alarms


# -- the model (cue lists and sentence model together, as the bot reads) -------------------

BLIND_SETS = {"blind-1": ROOT / "tests" / "data" / "blind" / "blind-1.jsonl"}
# The first run of each blind set, as docs/classifier.md reports it. The set was written apart
# and committed before that run; nothing was tuned on it. These bars only catch a regression.
BLIND_FIRST_RUN = {"blind-1": {"accuracy": 0.868, "crises_found": 66, "false_crises": 20}}


def _print(name: str, figures: language_figures.Figures) -> None:
    print(f"\n{name}: " + "\n".join(language_figures.lines(figures)))


def test_every_crisis_in_the_training_files_is_found(model_language: Language) -> None:
    """Either net finds every labelled crisis of the training files (660 messages)."""
    crises = [row for row in read_labelled(training_files()) if row.crisis]
    figures = language_figures.measure(crises, model_language)
    _print("training files, crises", figures)
    assert figures.crises == len(crises) > 600
    assert figures.missed == [], figures.missed


@pytest.mark.parametrize("name", list(SETS))
def test_sets_the_head_was_not_trained_on(name: str, model_language: Language) -> None:
    """The dev set and the extra set (the cue lists were tuned on them, the head never saw them):
    every crisis found, at most 3% false crises; category accuracy at least 0.90 on the dev set
    and 0.85 on the extra set, whose texts the cue lists had been fitted to."""
    figures = language_figures.measure(read_labelled([SETS[name]]), model_language)
    _print(name, figures)
    assert figures.missed == [], figures.missed
    assert figures.false_rate <= 0.03, figures.false_alarms
    assert figures.accuracy >= {"dev": 0.90, "extra": 0.85}[name]


@pytest.mark.parametrize("name", list(BLIND_SETS))
def test_blind_sets_do_not_fall_below_their_first_run(name: str, model_language: Language) -> None:
    """Printed for the record; fails only when a change makes the bot read worse than at the
    blind set's first (and only honest) measurement."""
    figures = language_figures.measure(read_labelled([BLIND_SETS[name]]), model_language)
    _print(name, figures)
    first = BLIND_FIRST_RUN[name]
    assert figures.accuracy >= first["accuracy"] - 0.0005
    assert figures.crises - len(figures.missed) >= first["crises_found"]
    assert len(figures.false_alarms) <= first["false_crises"]
