"""Checks behind ``wijksignaal check`` that are not the config's or a flow's own.

The catalogs are checked against the committed template (``locales/wijksignaal.pot``), which
``make locales`` extracts from the code and the flow files: nothing is extracted at run time.
That the template is current is the tests' business (``tests/test_i18n.py``).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.errors import CatalogError
from bot.i18n import DOMAIN, LANGUAGES, LOCALES_DIR, Catalogs

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"


def template_msgids(template: Path = TEMPLATE) -> list[str]:
    """Every msgid of the committed template, in its order."""
    try:
        with template.open("rb") as fp:
            catalog = read_po(fp)
    except OSError as exc:
        raise CatalogError(f"{template}: {exc.strerror or exc}") from None
    return [str(m.id) for m in catalog if m.id and isinstance(m.id, str)]


def used_msgids(project: Path = PROJECT_DIR) -> dict[str, str]:
    """Every msgid the code and the flow files use, with the file it was found in first (what
    ``make locales`` extracts; for the tests, never at run time)."""
    with (project / "babel.cfg").open(encoding="utf-8") as fp:
        method_map, options_map = parse_mapping_cfg(fp)  # type: ignore[no-untyped-call]
    found: dict[str, str] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        project, method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, filename)
    return found


def catalog_problems(catalogs: Catalogs, template: Path = TEMPLATE) -> list[str]:
    """One line for every msgid of the template that a language's catalog does not translate."""
    problems = []
    for msgid in sorted(template_msgids(template)):
        for lang in LANGUAGES:
            if not catalogs.has(msgid, lang):
                problems.append(
                    f"locales/{lang}/LC_MESSAGES/{DOMAIN}.po: no translation for '{msgid}'"
                )
    return problems
