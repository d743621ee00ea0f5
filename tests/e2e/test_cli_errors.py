"""Every command's expected failures: one Dutch line on stderr, exit 1 (bad arguments 2), never a
traceback, never a hang, never a secret. Each case runs the real command as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from storage import Cipher
from tests.conftest import EXAMPLE_CONFIG, TEST_KEY
from tests.e2e.botapi_stub import REJECTED_TOKEN, BotApiStub

C = str(EXAMPLE_CONFIG)


def run(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "", "WIJKSIGNAAL_KEY": TEST_KEY, **(env or {})},
        check=False,
    )


def chat_in_console(
    folder: Path, db: str, lines: str, user: str = "1"
) -> subprocess.CompletedProcess[str]:
    """The console in ``folder`` with its database ``db``, fed ``lines``; it must succeed."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--config", C, "--db", db, "--user", user],
        input=lines,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={**os.environ, "WIJKSIGNAAL_KEY": TEST_KEY},
        check=True,
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a real database (one resident said /start), a file and a bad key file."""
    here = tmp_path_factory.mktemp("cli")
    made = chat_in_console(here, "ok.db", "/start\n")
    assert (here / "ok.db").is_file(), made.stderr
    (here / "a-file").write_text("x")
    (here / "bad.key").write_text("dit is geen sleutel\n")
    return here


DB = ("--config", C, "--db", "ok.db")
# (what, arguments, environment, exit status, a fragment of the one line)
CASES: list[tuple[str, tuple[str, ...], dict[str, str], int, str]] = [
    (
        "backup into a missing folder",
        ("backup", *DB, "--out", "nergens/b.db"),
        {},
        1,
        "bestaat niet",
    ),
    ("backup under a file", ("backup", *DB, "--out", "a-file/b.db"), {}, 1, "bestaat niet"),
    ("backup over a file", ("backup", *DB, "--out", "a-file"), {}, 1, "bestaat al"),
    (
        # /proc: a folder no one may make a file in, root included; nothing is written there.
        "backup into a folder that cannot be written",
        ("backup", *DB, "--out", "/proc/wijksignaal-backup.db"),
        {},
        1,
        "/proc/wijksignaal-backup.db: kan niet lezen of schrijven",
    ),
    ("keygen into a missing folder", ("keygen", "--out", "nergens/k.key"), {}, 1, "bestaat niet"),
    ("keygen over a file", ("keygen", "--out", "a-file"), {}, 1, "bestaat al"),
    (
        "report into a missing folder",
        (
            "report",
            "feedback",
            *DB,
            "--team",
            "krommenie",
            "--quarter",
            "2026Q4",
            "--out",
            "x/r.md",
        ),
        {},
        1,
        "bestaat niet",
    ),
    (
        "report for an unknown team",
        ("report", "feedback", *DB, "--team", "nergens", "--quarter", "2026Q4"),
        {},
        1,
        "bekende teams: centraal",
    ),
    (
        "report for a bad quarter",
        ("report", "feedback", *DB, "--team", "krommenie", "--quarter", "XXXXQ1"),
        {},
        1,
        "geen kwartaal",
    ),
    (
        "wijkbeeld for an unknown team",
        ("report", "wijkbeeld", *DB, "--team", "nergens", "--quarter", "2026Q4"),
        {},
        1,
        "bekende teams: centraal",
    ),
    (
        "wijkbeeld for a bad quarter",
        ("report", "wijkbeeld", *DB, "--team", "krommenie", "--quarter", "2026Q5"),
        {},
        1,
        "2026Q5 is geen kwartaal",
    ),
    (
        "wijkbeeld as png without a file",
        (
            "report",
            "wijkbeeld",
            *DB,
            "--team",
            "krommenie",
            "--quarter",
            "2026Q4",
            "--format",
            "png",
        ),
        {},
        1,
        "een grafiek gaat naar een bestand: geef --out",
    ),
    (
        "rotate-key, missing new key",
        ("rotate-key", *DB, "--new-key-file", "nope.key"),
        {},
        1,
        "bestaat niet",
    ),
    (
        "rotate-key, malformed new key",
        ("rotate-key", *DB, "--new-key-file", "bad.key"),
        {},
        1,
        "misvormd",
    ),
    ("a malformed key", ("export", *DB), {"WIJKSIGNAAL_KEY": "geheim"}, 1, "misvormd"),
    (
        "a key of another database",
        ("export", *DB),
        {"WIJKSIGNAAL_KEY": Cipher.generate()},
        1,
        "past niet",
    ),
    (
        "invite, no database",
        ("invite", "--config", C, "--db", "none.db", "--role", "coordinator"),
        {},
        1,
        "database niet gevonden",
    ),
    (
        "invite, unknown team",
        ("invite", *DB, "--role", "teamlid", "--team", "nergens"),
        {},
        1,
        "onbekend team 'nergens'; bekende teams:",
    ),
    ("invite, no team", ("invite", *DB, "--role", "teamlid"), {}, 1, "hoort bij een team"),
    (
        "members, no database",
        ("members", "list", "--config", C, "--db", "none.db"),
        {},
        1,
        "database niet gevonden",
    ),
    ("forget nobody", ("person", "forget", *DB, "--user", "77777"), {}, 1, "niemand gevonden"),
    ("export nobody", ("person", "export", *DB, "--user", "77777"), {}, 1, "niemand gevonden"),
    (
        "purge, no database",
        ("purge", "--config", C, "--db", "none.db"),
        {},
        1,
        "database niet gevonden",
    ),
    ("check, no config", ("check", "--config", "nope.toml"), {}, 1, "niet gevonden"),
    ("run without a token", ("run", *DB), {}, 1, "TELEGRAM_BOT_TOKEN"),
    ("an unknown command", ("vliegen",), {}, 2, "invalid choice"),
    ("a missing argument", ("export", "--config", C), {}, 2, "--db"),
]


@pytest.fixture(scope="module")
def results(folder: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """All cases at once (two at a time): each is a fresh process."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda case: run(folder, *case[1], env=case[2]), CASES)
        return {case[0]: result for case, result in zip(CASES, done, strict=True)}


@pytest.mark.parametrize(
    ("what", "args", "env", "status", "fragment"), CASES, ids=[c[0] for c in CASES]
)
def test_each_failure_is_one_line_with_its_exit_status(
    results: dict[str, subprocess.CompletedProcess[str]],
    what: str,
    args: tuple[str, ...],
    env: dict[str, str],
    status: int,
    fragment: str,
) -> None:
    result = results[what]
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr
    if status == 1:
        assert len(lines) == 1, lines
    assert TEST_KEY not in result.stderr + result.stdout


def test_nothing_is_made_where_a_command_refused(folder: Path) -> None:
    """A refused invite or backup creates no database and no folder."""
    assert not (folder / "none.db").exists() and not (folder / "nergens").exists()


def test_a_rejected_token_is_one_line_and_never_printed(folder: Path) -> None:
    with BotApiStub() as stub:
        result = run(
            folder,
            *("run", *DB, "--api-base-url", stub.base_url),
            env={"TELEGRAM_BOT_TOKEN": REJECTED_TOKEN},
        )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "wijksignaal: Telegram weigert het token in TELEGRAM_BOT_TOKEN; "
        "vraag een nieuw token aan bij @BotFather"
    ]
    assert REJECTED_TOKEN not in result.stderr + result.stdout


def test_a_closed_pipe_ends_quietly(folder: Path) -> None:
    """'classify - | head -1': the reader leaves early; no BrokenPipeError traceback."""
    reader = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    writer = subprocess.run(
        [sys.executable, "-m", "bot", "classify", "-", "--json"],
        input="Ik ben eenzaam en krijg nooit bezoek\n" * 400,
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        cwd=folder,
        check=False,
    )
    assert reader.stdin is not None
    reader.stdin.close()
    reader.wait(timeout=10)
    assert "Traceback" not in writer.stderr
    assert writer.returncode == 1
    assert (
        writer.stderr.strip().splitlines()[-1].startswith("wijksignaal: de uitvoer werd afgesloten")
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a folder without write bits")
def test_a_backup_into_a_read_only_folder_is_one_line(folder: Path, tmp_path: Path) -> None:
    """A folder without write permission: the promised line ("geen toestemming"), exit 1."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = run(folder, "backup", *DB, "--out", str(locked / "b.db"))
    finally:
        locked.chmod(0o700)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"wijksignaal: {locked / 'b.db'}: kan niet lezen of schrijven (geen toestemming)"
    ]
    assert not (locked / "b.db").exists()


@pytest.mark.parametrize("text", ["", "   "], ids=["empty", "spaces"])
def test_classify_without_a_text_is_a_bad_argument(folder: Path, text: str) -> None:
    """classify "" used to print nothing and exit 0: now one line, exit 2, as for any bad
    argument of the command."""
    result = run(folder, "classify", text)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "wijksignaal: geen tekst om te lezen; geef een tekst, of - om per regel van de invoer"
        " te lezen"
    ]


@pytest.mark.parametrize("buffered", [False, True], ids=["unbuffered", "buffered"])
def test_a_full_standard_output_names_it(tmp_path: Path, buffered: bool) -> None:
    """person export > /dev/full: the one line says what could not be written, standard
    output, as a file's failure names the file; whether Python buffers its output or not."""
    report = "/start\n1\nIk ben erg eenzaam.\nja\nnee\n1503\n1\n1\n2\nVersturen\n"
    made = chat_in_console(tmp_path, "p.db", report, user="5")
    assert "Uw nummer is" in made.stdout
    env = {**os.environ, "WIJKSIGNAAL_KEY": TEST_KEY}
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "person",
                "export",
                "--config",
                C,
                "--db",
                "p.db",
                "--user",
                "5",
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "wijksignaal: de uitvoer (stdout): kan niet lezen of schrijven (de schijf is vol)"
    ]
