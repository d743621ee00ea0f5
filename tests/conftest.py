"""Shared fixtures: strict catalogs, the example config, a fake clock and a fresh database."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

from bot import assembly
from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import OfflineChat, OfflineRequest
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.engine import Button, Engine, Event, EventKind, Flow, Reply
from bot.i18n import Catalogs, setup
from bot.language import Classifier, CrisisDetector, Language
from storage import Cipher, Database

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "example.toml"
AMS = ZoneInfo("Europe/Amsterdam")
TEST_KEY = Cipher.generate()

# What the tests may leave changed in the repository: caches and the compiled catalogs.
_OWN_WRITES = {".venv", ".tools", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_HOME = pytest.StashKey[str]()
_SAVED = pytest.StashKey[list[tuple[str, str | None]]]()
_TREE = pytest.StashKey[dict[str, tuple[int, int]]]()


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file below ``root`` with its size and modification time, caches left out."""
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _OWN_WRITES and d != "__pycache__"]
        for name in files:
            if name.endswith((".mo", ".pyc")):
                continue
            path = Path(folder, name)
            stat = path.stat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def pytest_configure(config: pytest.Config) -> None:
    """Hermetic runs: a home folder of their own for the tests and every process they start
    (matplotlib's cache, anything a library keeps in ~), and a picture of the repository to
    compare with at the end."""
    home = tempfile.mkdtemp(prefix="wijksignaal-tests-home-")
    config.stash[_HOME] = home
    config.stash[_SAVED] = []
    for name in (
        "HOME",
        "XDG_CACHE_HOME",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "MPLCONFIGDIR",
        "HYPOTHESIS_STORAGE_DIRECTORY",  # hypothesis keeps constants there even without a database
    ):
        config.stash[_SAVED].append((name, os.environ.get(name)))
        os.environ[name] = home if name in ("HOME", "MPLCONFIGDIR") else f"{home}/{name.lower()}"
    set_hypothesis_home_dir(Path(home, "hypothesis"))  # its examples, not ./.hypothesis
    config.stash[_TREE] = _tree(ROOT)


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in config.stash.get(_SAVED, []):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    if _HOME in config.stash:
        shutil.rmtree(config.stash[_HOME], ignore_errors=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that wrote into the repository (data/, the working directory, a tracked file)
    fails, naming what it changed: tests touch temporary folders only."""
    before = session.config.stash.get(_TREE, None)
    if before is None:
        return
    after = _tree(ROOT)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if changed:
        shown = ", ".join(changed[:20]) + (f" and {len(changed) - 20} more" * (len(changed) > 20))
        print(f"\nthe tests changed files in the repository: {shown}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def example_config_copy(folder: Path) -> Path:
    """The example config and the files it names, copied into ``folder/config``: its relative
    paths (the key file in ``../data``) then point into ``folder``, never into the repository."""
    target = folder / "config"
    target.mkdir(parents=True, exist_ok=True)
    for toml in (ROOT / "config").glob("*.toml"):
        shutil.copy(toml, target / toml.name)
    return target / EXAMPLE_CONFIG.name


@pytest.fixture(autouse=True, scope="session")
def catalogs() -> Catalogs:
    """Strict catalogs: a msgid without a translation fails the test instead of showing a key."""
    strict = Catalogs(strict=True)
    setup(strict)
    return strict


@pytest.fixture
def config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture
def clock() -> FakeClock:
    # Monday 23 November 2026, 10:00 in Amsterdam.
    return FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))


@pytest.fixture
def cipher() -> Cipher:
    return Cipher([TEST_KEY])


@pytest.fixture
async def db(tmp_path: Path, cipher: Cipher) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "test.db", cipher=cipher)
    yield database
    await database.close()


@pytest.fixture
def flows(catalogs: Catalogs) -> dict[str, Flow]:
    return assembly.flows(catalogs)


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier.from_file()


@pytest.fixture(scope="session")
def detector() -> CrisisDetector:
    return CrisisDetector.from_files()


@pytest.fixture(scope="session")
def model_language() -> Language:
    """The cue lists and the sentence model, loaded once, as the bot reads texts."""
    return Language.load()


@pytest.fixture(scope="session")
def language(classifier: Classifier, detector: CrisisDetector) -> Language:
    """The cue lists alone. The flow tests read with these, so that retraining the model never
    changes what they pin; the model's own path through the flow is tested with
    ``model_language`` (tests/test_language_model.py, tests/test_telegram.py, tests/e2e/)."""
    return Language(classifier, detector, None, "the cue lists alone, for the flow tests")


@pytest.fixture
def make_engine(
    config: Config,
    clock: FakeClock,
    flows: dict[str, Flow],
    language: Language,
) -> Callable[..., Engine]:
    """Engines as the command builds them; keyword arguments replace a part."""

    def make(db: Database, **changes: Any) -> Engine:
        parts: dict[str, Any] = dict(language=language)
        parts.update(changes)
        return assembly.build_engine(db, config, clock, flows, **parts)

    return make


@pytest.fixture
def engine(db: Database, make_engine: Callable[..., Engine]) -> Engine:
    return make_engine(db)


_UPDATE_IDS = itertools.count(1)


class Chat:
    """Drives one chat through the engine the way a person would: typing and tapping."""

    def __init__(self, engine: Engine, chat_id: int = 42) -> None:
        self.engine = engine
        self.chat_id = chat_id
        self.replies: list[Reply] = []

    async def _send(self, kind: EventKind, text: str) -> list[Reply]:
        # One counter for every Chat: Telegram's update ids only grow, whoever sends.
        event = Event(self.chat_id, self.chat_id, kind, text, next(_UPDATE_IDS))
        self.replies = await self.engine.handle(event)
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self._send(EventKind.TEXT, text)

    async def command(self, text: str) -> list[Reply]:
        return await self._send(EventKind.COMMAND, text)

    async def other(self, kind: EventKind) -> list[Reply]:
        return await self._send(kind, "")

    def button(self, label: str) -> Button:
        for reply in reversed(self.replies):
            for button in reply.buttons:
                if button.label == label:
                    return button
        shown = [b.label for r in self.replies for b in r.buttons]
        raise AssertionError(f"no button {label!r} in the last replies; shown: {shown}")

    async def tap(self, label: str) -> list[Reply]:
        return await self._send(EventKind.BUTTON, self.button(label).data)

    @property
    def last(self) -> str:
        return self.replies[-1].text

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def labels(self) -> list[str]:
        return [b.label for b in self.replies[-1].buttons]


@pytest.fixture
def chat(engine: Engine) -> Chat:
    return Chat(engine)


TELEGRAM_CHAT = 5550001


@pytest.fixture
async def telegram(engine: Engine) -> AsyncIterator[OfflineChat]:
    """A resident in a private chat with the real Application, offline, with the engine
    attached as ``run`` attaches it (durable: the inbox and the reply queue in every turn)."""
    request = OfflineRequest()
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    attach_engine(app, engine)
    yield OfflineChat(app, request, TELEGRAM_CHAT)
    await app.shutdown()


async def report_until_where(chat: Chat, about: str = "Over mijzelf", knows: str = "Ja") -> None:
    """The report flow from /start up to the postcode question; ``knows`` answers "Weet deze
    persoon dat u dit meldt?" in a report about someone else."""
    await chat.command("/start")
    await chat.tap(about)
    await chat.say("Ik ben erg eenzaam sinds mijn man is overleden.")
    assert chat.last.startswith("Gaat het over iemand die eenzaam is?")
    await chat.tap("Ja")
    await chat.tap("Nee")
    if about == "Over iemand anders":
        assert chat.last == "Weet deze persoon dat u dit meldt?"
        await chat.tap(knows)


async def report_until_consent(
    chat: Chat, about: str = "Over mijzelf", postcode: str = "1503 AB"
) -> None:
    """The report flow from /start up to the first consent question."""
    await report_until_where(chat, about)
    await chat.say(postcode)


async def report_to_summary(chat: Chat) -> None:
    """The report flow up to the summary: consent, contact through the chat, no volunteer."""
    await report_until_consent(chat)
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
