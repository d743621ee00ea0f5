"""Collecting the problems of a settings file, one line each, naming the file and the key.

The config (bot/config.py) and the offer file (bot/offer.py) validate everything before they
raise, so ``wijksignaal check`` can list every problem at once.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from bot.i18n import N_, _


class Problems:
    """The problem lines of one file: ``FILE: WHERE: what is wrong``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def add(self, where: str, key: str, **params: Any) -> None:
        self.lines.append(f"{self.path}: {where}: {_(key, **params)}")


def unknown_keys(
    table: dict[str, Any], known: tuple[str, ...], label: str, problems: Problems
) -> None:
    """One line per key that ``known`` does not list, with the nearest known key if any."""
    for key in table:
        if key in known:
            continue
        hint = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        if hint:
            text = _(N_("config.error.unknown_key_hint"), key=key, table=label, hint=hint[0])
        else:
            text = _(N_("config.error.unknown_key"), key=key, table=label)
        problems.lines.append(f"{problems.path}: {text}")
