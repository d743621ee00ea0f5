"""A Babel extractor for the flow files: every msgid a flow shows, with the step it is in.

Registered as ``wijksignaal_flow`` (see pyproject.toml) and used by ``make locales`` through
``babel.cfg``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

_TEXT_KEYS = ("say", "choice", "yesno", "consent", "text", "end", "why")
_DEFAULT_LABELS = {
    "yesno": ("common.yes", "common.no"),
    "consent": ("consent.ja", "consent.nee"),
}


def flow_msgids(raw: Any) -> Iterator[tuple[str, str]]:
    """``(step id, msgid)`` for every text in a parsed flow file."""
    steps = raw.get("steps") if isinstance(raw, dict) else None
    if not isinstance(steps, dict):
        return
    for step_id, step in steps.items():
        if not isinstance(step, dict):
            continue
        for key in _TEXT_KEYS:
            if isinstance(step.get(key), str):
                yield str(step_id), step[key]
        options = step.get("options")
        if isinstance(options, list):
            for option in options:
                if isinstance(option, dict) and isinstance(option.get("label"), str):
                    yield str(step_id), option["label"]
        else:
            for kind, labels in _DEFAULT_LABELS.items():
                if kind in step:
                    for label in labels:
                        yield str(step_id), label


def extract_flow(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extractor interface: ``(lineno, funcname, message, comments)``."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = source.splitlines()
    for step_id, msgid in flow_msgids(yaml.safe_load(source)):
        lineno = next((i + 1 for i, line in enumerate(lines) if msgid in line), 0)
        yield lineno, None, msgid, [f"step: {step_id}"]
