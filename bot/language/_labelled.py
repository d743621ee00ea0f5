"""Labelled messages: what the model head is trained on and what every figure is measured on.

One JSON object per line::

    {"text": "...", "category": "eenzaamheid", "also": [], "crisis": null, "lang": "nl"}

``category`` is the category id (``null`` for a crisis), ``also`` other categories that are just
as right, ``crisis`` a list of crisis ids or ``null``, ``lang`` ``nl`` or ``en`` (``nl`` when
left out). The training files live in ``config/labelled/``; held-out sets in ``tests/data/``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.domain import CATEGORIES
from bot.errors import ConfigError
from bot.language._crisis import CRISES

LABELLED_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "labelled"
_KEYS = {"text", "category", "also", "crisis", "lang"}


@dataclass(frozen=True)
class Labelled:
    """One labelled message."""

    text: str
    category: str | None
    also: tuple[str, ...] = ()
    crisis: tuple[str, ...] = ()
    lang: str = "nl"


def training_files(directory: Path = LABELLED_DIR) -> list[Path]:
    """The training files, in a fixed order."""
    return sorted(directory.glob("*.jsonl"))


def _row(path: Path, number: int, raw: object) -> Labelled:
    where = f"{path}:{number}"
    if not isinstance(raw, dict) or not {"text", "category"} <= raw.keys() <= _KEYS:
        raise ConfigError(f"{where}: expected the keys {', '.join(sorted(_KEYS))}")
    text, category = raw["text"], raw["category"]
    crisis = tuple(raw.get("crisis") or ())
    also = tuple(raw.get("also") or ())
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: empty text")
    if category is not None and category not in CATEGORIES:
        raise ConfigError(f"{where}: unknown category '{category}'")
    if category is None and not crisis:
        raise ConfigError(f"{where}: a message needs a category or a crisis id")
    if unknown := [c for c in crisis if c not in CRISES] + [a for a in also if a not in CATEGORIES]:
        raise ConfigError(f"{where}: unknown id {', '.join(map(str, unknown))}")
    return Labelled(text, category, also, crisis, str(raw.get("lang") or "nl"))


def read_labelled(paths: Iterable[Path]) -> list[Labelled]:
    """Every message in ``paths``; a malformed line is an error that names file and line."""
    rows: list[Labelled] = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{path}:{number}: {exc.msg}") from None
            rows.append(_row(path, number, raw))
    return rows


def data_hash(paths: Iterable[Path]) -> str:
    """A SHA-256 over the files' names and contents: it changes when any example changes."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
