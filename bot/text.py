"""Small helpers for text from outside, which may be anything: never an exception.

A Python string may hold half of a UTF-16 surrogate pair (JSON allows ``"\\ud800"``, and
Telegram passes on what a client sent); UTF-8, SQLite and Telegram refuse it. Everything the
bot encrypts or hands to the engine goes through :func:`mend_surrogates` first. A number in
callback data or a typed choice is read with :func:`index_below`, which never converts more
digits than it needs (Python refuses to convert more than 4,300).
"""

from __future__ import annotations


def mend_surrogates(text: str) -> str:
    """``text`` as valid Unicode: surrogate halves that form a pair are joined, a lone one
    becomes U+FFFD (the replacement character). Valid text comes back as it is."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def index_below(text: str, count: int) -> int | None:
    """The number ``text`` spells in ASCII digits when it is below ``count``, else ``None``.
    Its length (without leading zeros) is checked before it is converted."""
    if not text.isascii() or not text.isdigit():
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(count)):
        return None
    number = int(digits)
    return number if number < count else None
