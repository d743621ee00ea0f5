"""Checks behind ``wijksignaal check`` that are not the config's or a flow's own."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from bot.i18n import LANGUAGES, Catalogs

PROJECT_DIR = Path(__file__).resolve().parent.parent


def used_msgids(project: Path = PROJECT_DIR) -> dict[str, str]:
    """Every msgid the code and the flow files use, with the file it was found in first."""
    with (project / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)  # type: ignore[no-untyped-call]
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        project, method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, filename)
    return found


def catalog_problems(catalogs: Catalogs, project: Path = PROJECT_DIR) -> list[str]:
    """One line for every used msgid that a language's catalog does not translate."""
    problems = []
    for msgid, filename in sorted(used_msgids(project).items()):
        for lang in LANGUAGES:
            if not catalogs.has(msgid, lang):
                problems.append(
                    f"locales/{lang}/LC_MESSAGES/wijksignaal.po: no translation for '{msgid}'"
                    f" (used in {filename})"
                )
    return problems
