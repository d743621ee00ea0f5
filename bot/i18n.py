"""Translations: Babel-compiled gettext catalogs and a ``ContextVar`` for the current language.

Every text a person reads is a msgid in ``locales/``; the msgids are stable keys such as
``melding.about.question`` and the Dutch catalog is the source text. ``_()`` translates a key
into the language of the current turn, which the engine sets with :func:`use_language`.
A catalog that was not compiled is an error at start-up, never a silent fallback to the key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel.support import Translations

from bot.errors import CatalogError

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "wijksignaal"
LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"

log = logging.getLogger(__name__)
current_language: ContextVar[str] = ContextVar("wijksignaal_language", default=DEFAULT_LANGUAGE)


class _KeepMissing(dict[str, Any]):
    """A format mapping that leaves unknown placeholders as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Catalogs:
    """The compiled catalogs of every supported language."""

    def __init__(self, directory: Path = LOCALES_DIR, *, strict: bool = False) -> None:
        self.directory = directory
        self.strict = strict
        self._translations: dict[str, Translations] = {}
        missing = []
        for lang in LANGUAGES:
            mo = directory / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo.is_file():
                missing.append(f"{mo}: catalog not compiled (run 'make catalogs')")
                continue
            with mo.open("rb") as fp:
                self._translations[lang] = Translations(fp, domain=DOMAIN)
        if missing:
            raise CatalogError(missing)

    def has(self, key: str, lang: str) -> bool:
        """Whether ``key`` has a translation in ``lang``."""
        return self._translations[lang].gettext(key) != key

    def gettext(self, key: str, lang: str, params: Mapping[str, Any] | None = None) -> str:
        """Translate ``key`` into ``lang`` and fill in ``params``."""
        translations = self._translations.get(lang) or self._translations[DEFAULT_LANGUAGE]
        text = translations.gettext(key)
        if text == key:
            if self.strict:
                raise CatalogError(f"no '{lang}' translation for msgid '{key}'")
            log.warning("no %s translation for %s", lang, key)
        if params:
            text = text.format_map(_KeepMissing(params))
        return text


_catalogs: Catalogs | None = None


def setup(catalogs: Catalogs) -> None:
    """Make ``catalogs`` the ones :func:`_` translates with."""
    global _catalogs
    _catalogs = catalogs


def get_catalogs() -> Catalogs:
    """The catalogs set up with :func:`setup`, loading the default ones on first use."""
    global _catalogs
    if _catalogs is None:
        _catalogs = Catalogs()
    return _catalogs


def _(key: str, /, **params: Any) -> str:
    """Translate ``key`` into the language of the current turn."""
    return get_catalogs().gettext(key, current_language.get(), params)


def label(*parts: str) -> str:
    """Translate the key made of ``parts``, such as ``label("status", status)`` for
    ``status.nieuw``: the keys of fixed ids, each marked with :func:`N_` where its ids are listed
    (extraction cannot read a key built at run time)."""
    key = ".".join(parts)
    return _(key)


def N_(key: str, /) -> str:
    """Mark ``key`` for extraction without translating it now."""
    return key


def translate(key: str, lang: str, /, **params: Any) -> str:
    """Translate ``key`` into an explicit language."""
    return get_catalogs().gettext(key, lang, params)


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Translate into ``lang`` for the duration of the block."""
    token = current_language.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        current_language.reset(token)
