"""Telegram's size limits, kept by every reply: a text fits 4,096 UTF-16 code units.

The flows and services keep their own texts short (a summary shortens a description, a list
pages); :func:`fit` is the net under all of them, splitting what is still too long at line
boundaries so that nothing ever fails on its size.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine._types import Reply

TEXT_LIMIT = 4096  # UTF-16 code units, as Telegram counts
ELLIPSIS = "…"


def units(text: str) -> int:
    """The length of ``text`` as Telegram counts it: characters outside the BMP count twice."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 units, ending in "…" when it was cut."""
    if units(text) <= limit:
        return text
    kept, used = [], 1
    for char in text:
        used += units(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def split(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` in parts of at most ``limit`` units, broken at newlines where possible."""
    if units(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while units(line) > limit:  # one line longer than a message: cut it
            head = shorten(line, limit)[:-1]
            if current:
                parts.append(current)
                current = ""
            parts.append(head)
            line = line[len(head) :]
        candidate = f"{current}\n{line}" if current else line
        if units(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]


def fit(replies: list[Reply]) -> list[Reply]:
    """Every reply within the limit: a long one becomes several, its buttons, file and picture
    on the last part, each part to the same chat."""
    fitted: list[Reply] = []
    for reply in replies:
        parts = split(reply.text)
        if len(parts) == 1:
            fitted.append(reply)
            continue
        for part in parts[:-1]:
            fitted.append(replace(reply, text=part, buttons=(), document=None, photo=None))
        fitted.append(replace(reply, text=parts[-1]))
    return fitted
