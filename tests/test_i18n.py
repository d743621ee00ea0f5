"""Catalogs: complete in both languages, loud when not compiled, a ContextVar per turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.checks import catalog_problems, template_msgids, used_msgids
from bot.errors import CatalogError
from bot.i18n import Catalogs, _, use_language


def test_every_msgid_in_code_and_flows_is_translated_in_nl_and_en(catalogs: Catalogs) -> None:
    assert catalog_problems(catalogs) == []


def test_the_committed_template_is_what_the_code_and_flows_use() -> None:
    """``wijksignaal check`` reads the template, not the code: a text added or removed without
    ``make locales`` fails here."""
    used, template = set(used_msgids()), set(template_msgids())
    assert used - template == set(), "used but not in locales/wijksignaal.pot: make locales"
    assert template - used == set(), "in the template but no longer used: make locales"


def test_extraction_has_nothing_to_warn_about(capfd: pytest.CaptureFixture[str]) -> None:
    """No text is built in a way Babel cannot read (an f-string key): keys made at run time go
    through ``label()``, so ``make locales`` prints only its own lines."""
    used_msgids()
    assert capfd.readouterr().err == ""


def test_a_msgid_without_translation_is_one_line_naming_the_catalog(
    catalogs: Catalogs, tmp_path: Path
) -> None:
    template = tmp_path / "t.pot"
    template.write_text('msgid "common.yes"\nmsgstr ""\n\nmsgid "no.such.key"\nmsgstr ""\n')
    assert catalog_problems(catalogs, template) == [
        "locales/nl/LC_MESSAGES/wijksignaal.po: no translation for 'no.such.key'",
        "locales/en/LC_MESSAGES/wijksignaal.po: no translation for 'no.such.key'",
    ]


def test_a_missing_template_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        template_msgids(tmp_path / "none.pot")


def test_extraction_finds_code_and_flow_texts() -> None:
    found = used_msgids()
    assert "engine.why_button" in found and found["engine.why_button"].endswith(".py")
    assert "melding.intro" in found and found["melding.intro"].endswith("melding.yaml")
    assert "consent.ja" in found, "default labels of consent steps are extracted too"


def test_an_uncompiled_catalog_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        Catalogs(tmp_path)
    assert len(caught.value.problems) == 2 and "make catalogs" in caught.value.problems[0]


def test_a_missing_msgid_raises_in_strict_mode(catalogs: Catalogs) -> None:
    with pytest.raises(CatalogError):
        catalogs.gettext("does.not.exist", "nl")


def test_the_language_follows_the_context() -> None:
    assert _("common.yes") == "Ja"
    with use_language("en"):
        assert _("common.yes") == "Yes"
    assert _("common.yes") == "Ja"
    with use_language("xx"):
        assert _("common.yes") == "Ja", "an unknown language falls back to Dutch"


def test_placeholders_are_filled_and_unknown_ones_kept() -> None:
    assert "4096" in _("validate.max_length", max=4096, length=5000)
    assert "{max}" in _("validate.max_length", length=5000)
