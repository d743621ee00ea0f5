"""Encryption at rest: Fernet (AES-128-CBC with HMAC-SHA256, from the cryptography package).

Descriptions, phone numbers, full postcodes, team notes and conversation states are stored as
Fernet tokens. The first key encrypts; every key given decrypts, which is what key rotation
needs. A check value in the ``meta`` table tells at open whether the key fits the database, so a
wrong key stops the bot before it reads or writes anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.errors import StorageError
from bot.text import mend_surrogates

CHECK_PLAINTEXT = "wijksignaal-key-check"


class WrongKeyError(StorageError):
    """The key cannot decrypt what this database holds."""


class Cipher:
    def __init__(self, keys: Sequence[bytes | str]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self.keys = tuple(k.decode() if isinstance(k, bytes) else k for k in keys)
        try:
            self._fernets = [Fernet(k) for k in keys]
        except (ValueError, TypeError) as exc:
            raise WrongKeyError(f"not a valid key ({exc})") from None
        self._multi = MultiFernet(self._fernets)

    @staticmethod
    def generate() -> str:
        """A new random key, as text."""
        return Fernet.generate_key().decode()

    def encrypt(self, text: str | None) -> str | None:
        """``text`` as a token; a lone surrogate half (which UTF-8 cannot hold) is stored as
        U+FFFD instead of refusing the whole value."""
        if text is None:
            return None
        return self._multi.encrypt(mend_surrogates(text).encode()).decode()

    def decrypt(self, token: str | None) -> str | None:
        if token is None:
            return None
        try:
            return self._multi.decrypt(token.encode()).decode()
        except InvalidToken:
            raise WrongKeyError("a stored value cannot be decrypted with this key") from None

    def rotate(self, token: str | None) -> str | None:
        """The same value encrypted with the first key."""
        if token is None:
            return None
        try:
            return self._multi.rotate(token.encode()).decode()
        except InvalidToken:
            raise WrongKeyError("a stored value cannot be decrypted with these keys") from None
