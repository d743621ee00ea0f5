"""Routing: postcode specs, the ordered rules and the reason stored with each route."""

from __future__ import annotations

import pytest

from bot.config import Config
from bot.domain import parse_postcode
from bot.routing import Area, Router, parse_postcode_spec


@pytest.mark.parametrize(
    ("spec", "low", "high"),
    [
        ("1503", "1503AA", "1503ZZ"),
        ("1505AA", "1505AA", "1505AA"),
        ("1500-1502", "1500AA", "1502ZZ"),
        ("1505aa - 1505mz", "1505AA", "1505MZ"),
        ("1505AA-1506", "1505AA", "1506ZZ"),
    ],
)
def test_postcode_specs_become_inclusive_ranges(spec: str, low: str, high: str) -> None:
    parsed = parse_postcode_spec(spec)
    assert (parsed.low, parsed.high) == (low, high)


@pytest.mark.parametrize("spec", ["150", "0503", "1503A", "1505-1500", "1-2-3", "abcd", ""])
def test_bad_postcode_specs_are_refused(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_postcode_spec(spec)


def router() -> Router:
    areas = [
        Area("noord", "Noord", (parse_postcode_spec("1503"), parse_postcode_spec("1505AA-1505MZ"))),
        Area("oost", "Oost", (parse_postcode_spec("1505NA-1505ZZ"),)),
        Area(
            "zuid",
            "Zuid",
            (parse_postcode_spec("1507AA-1507KZ"), parse_postcode_spec("1507LA-1507ZZ")),
        ),
    ]
    return Router(areas, {"opvoeding": "jeugd"}, "intake")


def route(category: str, text: str | None) -> tuple[str, str]:
    result = router().route(category, parse_postcode(text) if text else None)
    return result.team, result.reason


def test_a_pc4_inside_one_area_goes_to_that_team() -> None:
    assert route("eenzaamheid", "1503") == ("noord", "route.postcode")


def test_a_pc6_picks_the_team_of_its_part_of_a_split_pc4() -> None:
    """The letters decide in a split PC4, and the reason says the area is split."""
    assert route("eenzaamheid", "1505 AB") == ("noord", "route.postcode_split")
    assert route("eenzaamheid", "1505 XY") == ("oost", "route.postcode_split")
    assert route("eenzaamheid", "1503 AB") == ("noord", "route.postcode")


@pytest.mark.parametrize("text", ["1503 AB", "1505ab", "1505 XY", "9999 ZZ", "1505"])
def test_a_route_reason_names_the_pc4_never_the_letters(text: str) -> None:
    """The reason is stored in plain text: its postcode parameter is the four digits only."""
    found = router().route("eenzaamheid", parse_postcode(text))
    assert found.params["postcode"] == text[:4]
    assert all(text[4:].strip().upper() not in str(v) for v in found.params.values() if text[4:])


def test_a_split_pc4_without_letters_goes_to_intake_as_ambiguous() -> None:
    assert route("eenzaamheid", "1505") == ("intake", "route.postcode_ambiguous")


def test_a_pc4_covered_by_two_ranges_of_one_team_is_that_team() -> None:
    assert route("geldzorgen", "1507") == ("zuid", "route.postcode")


def test_unknown_and_missing_postcodes_go_to_intake() -> None:
    assert route("eenzaamheid", "9999 ZZ") == ("intake", "route.postcode_unknown")
    assert route("eenzaamheid", None) == ("intake", "route.no_postcode")


def test_a_category_team_comes_before_the_area() -> None:
    assert route("opvoeding", "1503") == ("jeugd", "route.category")


def test_the_example_config_routes_zaanstad_postcodes(config: Config) -> None:
    """The example areas: PC4, PC6 ranges and PC4 ranges all resolve."""
    teams = {
        pc: config.router.route("eenzaamheid", parse_postcode(pc)).team
        for pc in ("1503", "1505 KL", "1501", "1541", "1521", "1561", "1566", "1551", "1234")
    }
    assert teams == {
        "1503": "zaandam-noord",
        "1505 KL": "zaandam-oost",
        "1501": "zaandam-zuid",
        "1541": "koog-zaandijk",
        "1521": "wormerveer",
        "1561": "krommenie",
        "1566": "assendelft",
        "1551": "westzaan",
        "1234": "centraal",
    }
