"""``wijksignaal aanbod import FILE.csv`` and ``aanbod list``: rows checked as the offer file,
bad rows reported with their line, good ones merged by id and written atomically."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import load_config
from bot.errors import WijksignaalError
from bot.offer_io import import_file, list_offer
from tests.conftest import AMS, EXAMPLE_CONFIG, ROOT

EXPORT = ROOT / "tests" / "data" / "aanbod-export.csv"


@pytest.fixture
def municipality(tmp_path: Path) -> Path:
    """A copy of the example config and its offer file; the config's path."""
    shutil.copy(ROOT / "config" / "aanbod.toml", tmp_path / "aanbod.toml")
    shutil.copy(EXAMPLE_CONFIG, tmp_path / "gemeente.toml")
    return tmp_path / "gemeente.toml"


def test_good_rows_are_merged_by_id_and_bad_rows_reported_with_their_line(
    municipality: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The import writes the good rows (new or replacing by id) and names every bad row by its
    line."""
    before = load_config(municipality).offer
    assert before is not None
    status = import_file(municipality, EXPORT)
    out, err = capsys.readouterr()
    assert status == 1, "rows were rejected"
    assert out.strip() == (
        f"2 activiteiten geschreven naar {municipality.parent / 'aanbod.toml'} (1 nieuw,"
        " 1 vervangen); 3 regels niet ingelezen."
    )
    lines = err.splitlines()
    assert all(line.startswith(f"{EXPORT}: regel ") for line in lines)
    assert any("regel 4 bij-mij-thuis.place: lijkt persoonlijk" in line for line in lines)
    for field in ("when", "skip_holidays", "postcodes", "phone", "website"):
        assert any(f"regel 5 kapot.{field}: " in line for line in lines), (field, lines)
    assert any(
        "regel 6 taalcafe-oost.id: id taalcafe-oost staat al op regel 3" in line for line in lines
    )
    after = load_config(municipality).offer
    assert after is not None
    assert [a.id for a in after.activities] == [*(a.id for a in before.activities), "taalcafe-oost"]
    koffie = after.get("koffie-de-kolk")
    assert koffie is not None and [r.text for r in koffie.when] == [
        "di 10:00-12:00",
        "do 10:00-12:00",
    ]
    assert koffie.accessibility == ("rolstoel", "gratis", "zonder_aanmelden")
    assert after.description == before.description, "the file's description is kept"
    assert sorted(p.name for p in municipality.parent.iterdir()) == ["aanbod.toml", "gemeente.toml"]


def test_a_first_import_makes_the_offer_file(municipality: Path) -> None:
    """Without an offer file yet, the import creates it from the CSV."""
    (municipality.parent / "aanbod.toml").unlink()
    good = municipality.parent / "goed.csv"
    good.write_text("\n".join(EXPORT.read_text(encoding="utf-8").splitlines()[:3]) + "\n")
    assert import_file(municipality, good) == 0
    offer = load_config(municipality).offer
    assert offer is not None and [a.id for a in offer.activities] == [
        "koffie-de-kolk",
        "taalcafe-oost",
    ]


def test_missing_columns_stop_the_import_and_write_nothing(municipality: Path) -> None:
    """A CSV without the mapped columns is refused as a whole; the offer file is untouched."""
    target = municipality.parent / "aanbod.toml"
    before = target.read_bytes()
    wrong = municipality.parent / "fout.csv"
    wrong.write_text("Code;Naam\nkoffie;Koffie\n", encoding="utf-8")
    with pytest.raises(WijksignaalError) as caught:
        import_file(municipality, wrong)
    assert caught.value.problems == [
        f"{wrong}: deze kolommen ontbreken: Soort, Locatie, Adres, Wanneer, Postcodes"
        " (zie [offer.csv.columns] in de config)"
    ]
    assert target.read_bytes() == before


def test_a_broken_offer_file_is_not_overwritten(municipality: Path) -> None:
    """An offer file with problems is never overwritten by an import."""
    target = municipality.parent / "aanbod.toml"
    target.write_text('[[activity]]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(WijksignaalError) as caught:
        import_file(municipality, EXPORT)
    assert caught.value.problems[-1] == f"verbeter eerst {target}; er is niets ingelezen"
    assert target.read_text(encoding="utf-8") == '[[activity]]\nid = "x"\n'


def test_the_list_shows_the_matching_activities_with_their_next_date(
    municipality: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """aanbod list shows what serves a postcode and category with the next date, and refuses bad
    input."""
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    assert list_offer(municipality, "1503 AB", "eenzaamheid", clock) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [r[0] for r in rows] == ["koffie-de-kolk", "wandelen-noord", "inloop-noord"]
    assert rows[0][3] == "Volgende keer: dinsdag 24 november, 10:00"
    assert list_offer(municipality, "1560", "opvoeding", clock) == 0
    assert capsys.readouterr().out == "Geen activiteiten gevonden.\n"
    with pytest.raises(WijksignaalError):
        list_offer(municipality, "15", None, clock)
    with pytest.raises(WijksignaalError):
        list_offer(municipality, None, "eenzaam", clock)


def test_the_command_exits_1_when_rows_were_rejected(municipality: Path) -> None:
    """The real command, as a process: the line per bad row on stderr, the count on stdout."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "aanbod",
            "import",
            str(EXPORT),
            "--config",
            str(municipality),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "WIJKSIGNAAL_LANG": "en"},
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "2 activities written" in done.stdout and "3 rows not imported" in done.stdout
    assert "line 4 bij-mij-thuis.place: looks personal" in done.stderr
    assert "Traceback" not in done.stderr
