"""Catalogs: complete in both languages, loud when not compiled, a ContextVar per turn."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.checks import catalog_problems, used_msgids
from bot.errors import CatalogError
from bot.i18n import Catalogs, _, use_language


def test_every_msgid_in_code_and_flows_is_translated_in_nl_and_en(catalogs: Catalogs) -> None:
    assert catalog_problems(catalogs) == []


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
    assert "4096" in _("engine.too_long", max=4096)
    assert "{max}" in _("engine.too_long")
