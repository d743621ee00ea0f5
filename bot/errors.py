"""The exceptions Wijksignaal raises, all under one root.

::

    WijksignaalError
    ├── ConfigError        the municipality's TOML config is missing or invalid
    ├── FlowError          a conversation flow file is invalid (names the file and the step)
    ├── CatalogError       a message catalog is missing, uncompiled or incomplete
    ├── StorageError       the database cannot be opened, migrated or written
    │   └── StaleConversation  a chat's state changed under a turn (the turn runs again)
    └── ModelUnavailable   the sentence model or its trained head cannot be loaded

Each carries a list of ``problems``: one line per problem, ready to print, so that the command
line can report all of them at once instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class WijksignaalError(Exception):
    """Root of every error the bot raises on purpose."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


class ConfigError(WijksignaalError):
    """The configuration file is missing, unreadable or inconsistent."""


class FlowError(WijksignaalError):
    """A flow file in ``conversations/`` does not validate."""


class CatalogError(WijksignaalError):
    """A gettext catalog is missing, not compiled, or lacks a message."""


class StorageError(WijksignaalError):
    """The SQLite database cannot be opened, migrated or written."""


class ModelUnavailable(WijksignaalError):
    """The sentence model or its trained head cannot be loaded; the cue lists still work."""


class StaleConversation(StorageError):
    """A conversation row changed since this process last read or wrote it."""
