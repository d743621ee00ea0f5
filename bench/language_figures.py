"""Figures of the crisis check and the category suggestion on a labelled set.

``python -m bench.language_figures FILE [--head PATH | --cues-only]`` prints the category
accuracy on messages without a crisis (the label or an acceptable alternative), per category and
per language; every crisis id's recall; and the share of false crises. It measures and prints;
``tests/test_language_measured.py`` uses the same counting for its bars.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain import CATEGORIES
from bot.language import (
    CRISES,
    Classifier,
    CrisisDetector,
    Labelled,
    Language,
    Model,
    read_labelled,
)

BATCH = 32  # messages embedded together (faster than one by one), within the vector cache


@dataclass
class Figures:
    """What came out on one labelled set."""

    messages: int = 0
    calm: int = 0
    correct: int = 0
    crises: int = 0
    missed: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # text, label, answer
    per_category: Counter[str] = field(default_factory=Counter)
    per_category_right: Counter[str] = field(default_factory=Counter)
    per_crisis: Counter[str] = field(default_factory=Counter)
    per_crisis_found: Counter[str] = field(default_factory=Counter)
    per_lang: Counter[str] = field(default_factory=Counter)
    per_lang_right: Counter[str] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.correct / self.calm if self.calm else 1.0

    @property
    def false_rate(self) -> float:
        return len(self.false_alarms) / self.calm if self.calm else 0.0


def measure(rows: Sequence[Labelled], language: Language) -> Figures:
    figures = Figures(messages=len(rows))
    for index, row in enumerate(rows):
        if index % BATCH == 0:
            language.warm([r.text for r in rows[index : index + BATCH]])
        found = language.crisis(row.text)
        if row.crisis:
            figures.crises += 1
            if not set(row.crisis) & set(found.ids):
                figures.missed.append(row.text)
            for crisis in row.crisis:
                figures.per_crisis[crisis] += 1
                figures.per_crisis_found[crisis] += crisis in found.ids
            continue
        assert row.category is not None
        figures.calm += 1
        if found:
            figures.false_alarms.append(row.text)
        category = language.suggest(row.text).category
        right = category == row.category or category in row.also
        figures.correct += right
        figures.per_category[row.category] += 1
        figures.per_category_right[row.category] += right
        figures.per_lang[row.lang] += 1
        figures.per_lang_right[row.lang] += right
        if not right:
            figures.wrong.append((row.text, row.category, category))
    return figures


def lines(figures: Figures) -> list[str]:
    out = [
        f"{figures.messages} messages: category accuracy {figures.accuracy:.3f} "
        f"({figures.correct}/{figures.calm}); crises found "
        f"{figures.crises - len(figures.missed)}/{figures.crises}; false crises "
        f"{len(figures.false_alarms)}/{figures.calm} ({figures.false_rate:.1%})"
    ]
    for lang, count in sorted(figures.per_lang.items()):
        out.append(f"  language {lang}: {figures.per_lang_right[lang]}/{count}")
    for category in CATEGORIES:
        if count := figures.per_category[category]:
            out.append(f"  {category}: {figures.per_category_right[category]}/{count}")
    for crisis in CRISES:
        if count := figures.per_crisis[crisis]:
            out.append(f"  crisis {crisis}: {figures.per_crisis_found[crisis]}/{count} found")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.language_figures")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--head", type=Path)
    parser.add_argument("--cues-only", action="store_true")
    parser.add_argument("--show", action="store_true", help="print what was missed or wrong")
    args = parser.parse_args(argv)
    cues = Classifier.from_file(), CrisisDetector.from_files()
    model = None if args.cues_only else (Model.load(args.head) if args.head else Model.load())
    language = Language(*cues, model)
    figures = measure(read_labelled(args.files), language)
    print(f"model: {language.describe()}")
    print("\n".join(lines(figures)))
    if args.show:
        for text in figures.missed:
            print(f"MISSED CRISIS: {text}")
        for text in figures.false_alarms:
            print(f"FALSE CRISIS: {text}")
        for text, label, answer in figures.wrong:
            print(f"WRONG ({label} -> {answer}): {text}")


if __name__ == "__main__":
    main()
