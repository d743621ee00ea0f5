"""The encryption key: from ``WIJKSIGNAAL_KEY``, or from the key file named in the config."""

from __future__ import annotations

import os
from pathlib import Path

from bot.config import Config
from bot.errors import ConfigError
from bot.i18n import N_, _
from storage import Cipher, WrongKeyError

KEY_ENV = "WIJKSIGNAAL_KEY"


def read_key_file(path: Path) -> str:
    """The key in ``path``; a :class:`ConfigError` when it is missing, unreadable, or holds
    something that is not a key at all (malformed: not a key of another database)."""
    try:
        key = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise ConfigError(_(N_("keys.missing_file"), path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_(N_("keys.unreadable"), path=path, error=exc)) from None
    _check_form(key, str(path))
    return key


def _check_form(key: str, source: str) -> None:
    try:
        Cipher([key])
    except WrongKeyError:
        raise ConfigError(_(N_("keys.malformed"), source=source)) from None


def load_cipher(config: Config) -> Cipher:
    """The cipher for the database; a clear :class:`ConfigError` when there is no key."""
    key = os.environ.get(KEY_ENV, "").strip()
    if not key and config.key_file is not None:
        key = read_key_file(config.key_file)
    if not key:
        raise ConfigError(_(N_("keys.none")))
    _check_form(key, KEY_ENV)
    return Cipher([key])


def write_new_key(path: Path) -> str:
    """Make a new key and write it to ``path`` (only the owner may read it); never overwrite."""
    key = Cipher.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(_(N_("keys.exists"), path=path)) from None
    with os.fdopen(fd, "w", encoding="ascii") as fp:
        fp.write(key + "\n")
    return key
