"""The offer file: validated with one line per problem, named in the config, and matched by
postcode and category."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import Config, load_config
from bot.domain import parse_postcode
from bot.errors import ConfigError
from bot.offer import Offer, read_offer_file
from tests.conftest import AMS, EXAMPLE_CONFIG, ROOT

GOOD = """
[[activity]]
id = "koffie"
name = "Koffieochtend"
kind = "koffieochtend"
place = "Buurthuis De Kolk"
address = "Kolkstraat 1, Zaandam"
when = ["di 10:00-12:00"]
postcodes = ["1503"]
categories = ["eenzaamheid"]
"""
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)


def offer_problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "aanbod.toml"
    path.write_text(text, encoding="utf-8")
    offer, lines = read_offer_file(path, AMS)
    assert offer is None and lines
    return lines


def load(tmp_path: Path, text: str) -> Offer:
    path = tmp_path / "aanbod.toml"
    path.write_text(text, encoding="utf-8")
    offer, lines = read_offer_file(path, AMS)
    assert lines == [] and offer is not None
    return offer


def test_the_example_offer_loads_with_the_example_config(config: Config) -> None:
    """config/example.toml names config/aanbod.toml, relative to itself; it is an example."""
    assert config.offer_file == ROOT / "config" / "aanbod.toml"
    assert config.offer is not None and len(config.offer.activities) >= 8
    assert "Voorbeeld" in config.offer.description
    assert config.offer_csv.delimiter == ";" and config.offer_csv.columns["id"] == "Code"


def test_a_good_activity_is_read_with_its_defaults(tmp_path: Path) -> None:
    """A complete activity loads; fields left out get their defaults (no phone, no notes,
    holidays kept)."""
    (activity,) = load(tmp_path, GOOD).activities
    assert activity.id == "koffie" and activity.kind == "koffieochtend"
    assert [r.text for r in activity.when] == ["di 10:00-12:00"]
    assert activity.phone is None and activity.accessibility == () and not activity.skip_holidays


def test_labels_are_taken_for_ids_and_the_phone_is_kept_in_one_form(tmp_path: Path) -> None:
    """A kind, category or accessibility note may be written as its Dutch label."""
    text = GOOD.replace('"koffieochtend"', '"Koffieochtend"').replace(
        'categories = ["eenzaamheid"]',
        'categories = ["Eenzaamheid", "geldzorgen"]\nphone = "075 123 4567"\n'
        'accessibility = ["Zonder aanmelden", "rolstoel"]\nwebsite = "https://example.org/a"',
    )
    (activity,) = load(tmp_path, text).activities
    assert activity.kind == "koffieochtend"
    assert activity.categories == ("eenzaamheid", "geldzorgen")
    assert activity.accessibility == ("zonder_aanmelden", "rolstoel")
    assert activity.phone == "+31751234567" and activity.phone_text() == "075 123 4567"


def test_every_problem_of_an_activity_is_one_line_naming_file_activity_and_field(
    tmp_path: Path,
) -> None:
    """A bad activity gives one line per problem, each naming the file, the activity and the
    field."""
    text = """
[[activity]]
id = "wandel"
name = "Wandelgroep"
kind = "wandelen"
place = "Park"
address = "Parkweg, Zaandam"
when = ["om de week"]
postcodes = ["15O3"]
categories = ["eenzaam"]
phone = "12345"
website = "ftp://example.org"
accessibility = ["lift"]
skip_holidays = "ja"
colour = "groen"
"""
    lines = offer_problems(tmp_path, text)
    path = str(tmp_path / "aanbod.toml")
    assert all(line.startswith(path + ": ") for line in lines)
    for field in (
        "kind",
        "when",
        "postcodes",
        "categories",
        "phone",
        "website",
        "accessibility",
        "skip_holidays",
    ):
        assert any(f"activity[0] wandel.{field}: " in line for line in lines), (field, lines)
    assert any("onbekende sleutel 'colour' in [[activity]] wandel" in line for line in lines)
    assert len(lines) == 9


def test_required_fields_and_ids_are_checked(tmp_path: Path) -> None:
    """An activity with only a bad id is told every missing field, one line each."""
    lines = offer_problems(tmp_path, '[[activity]]\nid = "Koffie Ochtend"\n')
    assert len(lines) == 7
    for field in ("id", "name", "kind", "place", "address", "when", "postcodes"):
        assert any(f"activity[0] Koffie Ochtend.{field}: " in line for line in lines), lines


def test_a_name_fits_on_a_button(tmp_path: Path) -> None:
    """A name over 60 characters is refused: the team picks it on a button."""
    lines = offer_problems(tmp_path, GOOD.replace('"Koffieochtend"', '"' + "K" * 61 + '"'))
    assert len(lines) == 1 and "koffie.name: is te lang; hoogstens 60 tekens" in lines[0]


def test_an_id_used_twice_is_an_error(tmp_path: Path) -> None:
    """Two activities with one id: the second is named as the problem."""
    lines = offer_problems(tmp_path, GOOD + GOOD)
    assert lines == [
        f"{tmp_path / 'aanbod.toml'}: activity[1] koffie.id:"
        " activiteit koffie staat er twee keer in"
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("place", "Bij mij thuis"),
        ("place", "Huize Jansen"),
        ("address", "Kolkstraat 1, bel 06 12345678"),
        ("address", "mail naar jan@example.org"),
        ("name", "Koffie, Kolkstraat 12"),
    ],
)
def test_obviously_personal_places_are_refused(tmp_path: Path, field: str, value: str) -> None:
    """A place must be public: no home, no phone number or e-mail, no street address in a
    name or place (that belongs in the address)."""
    current = {
        "place": "Buurthuis De Kolk",
        "address": "Kolkstraat 1, Zaandam",
        "name": "Koffieochtend",
    }
    text = GOOD.replace(f'{field} = "{current[field]}"', f'{field} = "{value}"')
    lines = offer_problems(tmp_path, text)
    assert len(lines) == 1 and f"koffie.{field}: lijkt persoonlijk" in lines[0], lines


def test_a_broken_or_missing_offer_file_stops_the_config(tmp_path: Path) -> None:
    """The bot refuses to start: load_config lists the offer file's problems with its own."""
    folder = tmp_path / "config"
    folder.mkdir()
    config = folder / "gemeente.toml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as missing:
        load_config(config)
    assert missing.value.problems == [f"{folder / 'aanbod.toml'}: bestand niet gevonden"]
    (folder / "aanbod.toml").write_text("[[activity]]\nid = 3\n", encoding="utf-8")
    (folder / "gemeente.toml").write_text(
        text.replace("[municipality]\n", "[municipality]\nnaam = 1\n")
    )
    with pytest.raises(ConfigError) as broken:
        load_config(config)
    assert any(line.startswith(str(config)) for line in broken.value.problems)
    assert any(
        line.startswith(f"{folder / 'aanbod.toml'}: activity[0].id")
        for line in broken.value.problems
    )


def test_the_offer_section_is_strict_and_optional(tmp_path: Path) -> None:
    """An unknown key in [offer] or its CSV tables is named; without [offer] there is no offer."""
    minimal = '[municipality]\nname = "T"\nintake_team = "t"\n[[teams]]\nid = "t"\nname = "T"\n'
    path = tmp_path / "c.toml"
    path.write_text(minimal, encoding="utf-8")
    assert load_config(path).offer is None and load_config(path).offer_file is None
    path.write_text(
        minimal + '[offer]\nfiles = "a.toml"\n[offer.csv]\ndelimiter = ";;"\n'
        '[offer.csv.columns]\nnaam = "Naam"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = "\n".join(caught.value.problems)
    assert "onbekende sleutel 'files' in [offer]; bedoelt u 'file'?" in text
    assert "offer.csv.delimiter: moet één teken zijn" in text
    assert "onbekende sleutel 'naam' in [offer.csv.columns]; bedoelt u 'name'?" in text
    assert "offer.file: mag niet leeg zijn" in text


def test_the_offer_file_is_relative_to_the_config(tmp_path: Path) -> None:
    """The offer file's path is read relative to the config file, wherever that lives."""
    shutil.copy(ROOT / "config" / "aanbod.toml", tmp_path / "aanbod.toml")
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "gemeente.toml")
    config = load_config(tmp_path / "gemeente.toml")
    assert config.offer_file == tmp_path / "aanbod.toml" and config.offer is not None


def test_matching_by_full_postcode_pc4_and_category_soonest_first(tmp_path: Path) -> None:
    """Matching takes PC6 ranges, PC4 and the category into account, the soonest meeting first."""
    text = GOOD + GOOD.replace('id = "koffie"', 'id = "eten"').replace(
        'when = ["di 10:00-12:00"]', 'when = ["ma 17:00"]'
    ).replace('postcodes = ["1503"]', 'postcodes = ["1503AA-1503AZ", "1600"]').replace(
        'categories = ["eenzaamheid"]', 'categories = ["eenzaamheid", "geldzorgen"]'
    )
    offer = load(tmp_path, text)

    def ids(postcode: str | None, category: str | None, limit: int | None = None) -> list[str]:
        code = parse_postcode(postcode) if postcode else None
        return [a.id for a, _m in offer.matching(code, category, MONDAY, limit)]

    assert ids("1503 AB", "eenzaamheid") == ["eten", "koffie"], "Monday 17:00 before Tuesday"
    assert ids("1503 BA", "eenzaamheid") == ["koffie"], "outside the PC6 range"
    assert ids("1503", "eenzaamheid") == ["eten", "koffie"], "a PC4 overlaps both areas"
    assert ids("1503 AB", "geldzorgen") == ["eten"]
    assert ids("1503 AB", "overlast") == []
    assert ids("1504", None) == []
    assert ids("1503 AB", None, 1) == ["eten"]
    assert ids(None, "geldzorgen") == ["eten"], "no postcode: anywhere"
    assert offer.categories_at(parse_postcode("1503 AB")) == ["eenzaamheid", "geldzorgen"]  # type: ignore[arg-type]
    (pair,) = offer.matching(parse_postcode("1600"), None, MONDAY)
    assert pair[1] is not None and pair[1].start.astimezone(AMS) == datetime(
        2026, 11, 23, 17, 0, tzinfo=AMS
    )
