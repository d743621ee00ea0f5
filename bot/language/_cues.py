"""Reading cue files: YAML lists of cues per category or crisis id, with weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.language._text import Cue, compile_cue

CUES_DIR = Path(__file__).resolve().parent.parent.parent / "config" / "cues"
WEIGHTS = {"strong": 2.0, "cues": 1.0, "weak": 0.5}


def load_cue_file(
    path: Path, ids: tuple[str, ...], extra: tuple[str, ...] = (), lang: str = "nl"
) -> dict[str, list[Cue]]:
    """``{id: [cue, ...]}`` for every id; each id maps to a list, or to strong/cues/weak lists.

    ``extra`` names further sections that are allowed (such as ``not_crisis``). Every problem
    is reported with the file and the section.
    """
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of ids to cue lists")
    problems = [f"{path}: unknown section '{key}'" for key in raw if key not in ids + extra]
    problems += [f"{path}: no cues for '{key}'" for key in ids if not raw.get(key)]
    cues: dict[str, list[Cue]] = {}
    for key in ids + extra:
        section = raw.get(key) or []
        groups = section if isinstance(section, dict) else {"cues": section}
        cues[key] = []
        for group, items in groups.items():
            if group not in WEIGHTS or not isinstance(items, list):
                problems.append(f"{path}: {key}: '{group}' must be one of {', '.join(WEIGHTS)}")
                continue
            for item in items:
                try:
                    cues[key].append(compile_cue(str(item), WEIGHTS[group], lang))
                except ValueError:
                    problems.append(f"{path}: {key}: empty cue")
    if problems:
        raise ConfigError(problems)
    return cues
