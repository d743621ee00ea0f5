"""The municipality's TOML config: defaults, and every problem reported with file and key."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import load_config, parse_duration
from bot.errors import ConfigError
from tests.conftest import EXAMPLE_CONFIG

MINIMAL = '[municipality]\nname = "Test"\nintake_team = "t"\n[[teams]]\nid = "t"\nname = "T"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    return caught.value.problems


def test_the_example_config_loads() -> None:
    config = load_config(EXAMPLE_CONFIG)
    assert config.intake_team == "centraal"
    assert config.categories["opvoeding"].team == "jeugdteam"
    assert config.categories["geldzorgen"].deadline_working_days == 2
    assert config.categories["eenzaamheid"].deadline_working_days == 3
    assert config.conversation_expiry == timedelta(hours=24)


def test_a_minimal_config_gets_sensible_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert str(config.timezone) == "Europe/Amsterdam"
    assert config.reference_prefix == "WS"
    assert {c.deadline_working_days for c in config.categories.values()} == {3}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "municipality.name"),
        (MINIMAL + '[[teams]]\nid = "t"\nname = "again"\n', "teams[1].id"),
        (MINIMAL.replace('intake_team = "t"', 'intake_team = "x"'), "municipality.intake_team"),
        (MINIMAL + '[conversations]\nexpire_after = "soon"\n', "conversations.expire_after"),
        (
            MINIMAL + "[categories.eenzaamheid]\ndeadline_working_days = 0\n",
            "deadline_working_days",
        ),
        (MINIMAL + '[categories.eenzaamheid]\nteam = "nergens"\n', "categories.eenzaamheid.team"),
        (MINIMAL + '[categories.spelling]\nteam = "t"\n', "categories.spelling"),
        (MINIMAL.replace('"Test"', '"Test"\ntimezone = "Mars/Base"'), "municipality.timezone"),
        (MINIMAL + '[[teams]]\nid = "Fout Id"\nname = "F"\n', "teams[1].id"),
    ],
)
def test_each_problem_names_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    found = problems(tmp_path, text)
    assert any(fragment in line for line in found), found
    assert all(line.startswith(str(tmp_path / "c.toml")) for line in found)


def test_overlapping_areas_of_two_teams_are_an_error(tmp_path: Path) -> None:
    text = MINIMAL + (
        '[[teams]]\nid = "a"\nname = "A"\npostcodes = ["1500-1509"]\n'
        '[[teams]]\nid = "b"\nname = "B"\npostcodes = ["1505AA-1505ZZ"]\n'
        '[[teams]]\nid = "c"\nname = "C"\npostcodes = ["1509AB"]\n'
    )
    found = problems(tmp_path, text)
    assert len(found) == 2, "a overlaps b and a overlaps c; b and c do not overlap"


def test_the_same_team_may_list_touching_ranges(tmp_path: Path) -> None:
    text = MINIMAL.replace('name = "T"\n', 'name = "T"\npostcodes = ["1500-1502", "1502AA"]\n')
    assert load_config(write(tmp_path, text)).teams["t"].postcodes


def test_broken_toml_and_missing_file_are_one_line(tmp_path: Path) -> None:
    assert len(problems(tmp_path, "[municipality\n")) == 1
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "absent.toml")
    assert caught.value.problems == [f"{tmp_path / 'absent.toml'}: bestand niet gevonden"]


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("6h", timedelta(hours=6)),
        ("14d", timedelta(days=14)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "14", "d14", "1.5h", "2w"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (
            MINIMAL + '[[teams]]\nid = "noord"\nname = "N"\npostcode = ["1503"]\n',
            "onbekende sleutel 'postcode' in [[teams]] noord; bedoelt u 'postcodes'?",
        ),
        (
            MINIMAL + '[digests]\ntime = "08:00"\n',
            "onbekende sleutel 'digests' in het bestand (bovenaan); bedoelt u 'digest'?",
        ),
        (
            MINIMAL + '[conversations]\nexpire_afterr = "24h"\n',
            "onbekende sleutel 'expire_afterr' in [conversations]; bedoelt u 'expire_after'?",
        ),
        (
            MINIMAL + "[categories.geldzorgen]\nkleur = 3\n",
            "onbekende sleutel 'kleur' in [categories.geldzorgen]",
        ),
        (
            MINIMAL.replace('name = "Test"', 'name = "Test"\nnaam = "x"'),
            "onbekende sleutel 'naam' in [municipality]; bedoelt u 'name'?",
        ),
    ],
)
def test_an_unknown_key_anywhere_is_named_with_the_nearest_known_one(
    tmp_path: Path, text: str, line: str
) -> None:
    """A typo never passes as 'all is well': a mistyped team area would route all to intake."""
    assert problems(tmp_path, text) == [f"{tmp_path / 'c.toml'}: {line}"]


@pytest.mark.parametrize(
    ("table", "key", "value", "minimum"),
    [
        ("conversations", "expire_after", "0s", "5m"),
        ("conversations", "expire_after", "4m", "5m"),
        ("invites", "valid_for", "30s", "5m"),
        ("checkins", "after_report", "10m", "1h"),
        ("retention", "delete_closed_after", "1h", "1d"),
    ],
)
def test_durations_below_their_minimum_are_refused(
    tmp_path: Path, table: str, key: str, value: str, minimum: str
) -> None:
    """'expire_after = "0s"' would make every report impossible to finish."""
    found = problems(tmp_path, MINIMAL + f'[{table}]\n{key} = "{value}"\n')
    assert found == [
        f"{tmp_path / 'c.toml'}: {table}.{key}: '{value}' is te kort; minstens {minimum}"
    ]


def test_the_minimum_itself_is_accepted(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL + '[conversations]\nexpire_after = "5m"\n'))
    assert config.conversation_expiry == timedelta(minutes=5)


def test_the_key_file_is_relative_to_the_config_file(tmp_path: Path) -> None:
    """As most tools do: the same config works from any working directory."""
    config = load_config(write(tmp_path, MINIMAL + '[security]\nkey_file = "keys/w.key"\n'))
    assert config.key_file == tmp_path / "keys" / "w.key"
    absolute = tmp_path / "elsewhere.key"
    config = load_config(write(tmp_path, MINIMAL + f'[security]\nkey_file = "{absolute}"\n'))
    assert config.key_file == absolute


def test_whether_the_reporter_is_named_is_a_yes_or_no_defaulting_to_no(tmp_path: Path) -> None:
    """``tell_reporter_name``: left out, the person reported about is not told who reported;
    true names the reporter; anything but true or false is an error naming the key."""
    assert load_config(write(tmp_path, MINIMAL)).tell_reporter_name is False
    assert load_config(EXAMPLE_CONFIG).tell_reporter_name is False
    named = MINIMAL.replace('name = "Test"', 'name = "Test"\ntell_reporter_name = true')
    assert load_config(write(tmp_path, named)).tell_reporter_name is True
    wrong = MINIMAL.replace('name = "Test"', 'name = "Test"\ntell_reporter_name = "ja"')
    assert problems(tmp_path, wrong) == [
        f"{tmp_path / 'c.toml'}: municipality.tell_reporter_name: moet ja of nee zijn (true of"
        " false), niet ja"
    ]
