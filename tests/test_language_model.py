"""The sentence model and its trained head: freshness, fallback, the executor, the flow."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot import cli
from bot.domain import CATEGORIES
from bot.engine import Engine
from bot.errors import ModelUnavailable
from bot.language import (
    CRISES,
    HEAD_FILE,
    Classifier,
    CrisisDetector,
    Head,
    Language,
    Model,
    data_hash,
    training_files,
)
from bot.language._language import model_text
from bot.language._model import Vectors
from storage import Database
from tests.conftest import Chat

DIM = 8


class FakeEmbedder:
    """Zero vectors, optionally slow, remembering which threads embedded."""

    name = "fake"
    version = "fake 1"
    dim = DIM

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.threads: set[str] = set()

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        return np.zeros((len(texts), DIM), dtype=np.float32)


def fixed_head(categories: dict[str, float], crisis: dict[str, float] | None = None) -> Head:
    """A head whose answer does not depend on the text: these category probabilities and crisis
    scores (0.5 is exactly the threshold; give 0.9 to fire, 0.01 not to)."""
    probabilities = np.array([categories.get(c, 1e-6) for c in CATEGORIES])
    scores = np.array([(crisis or {}).get(c, 0.01) for c in CRISES])
    return Head(
        "fake",
        CATEGORIES,
        np.zeros((len(CATEGORIES), DIM)),
        np.log(probabilities / probabilities.sum()),
        CRISES,
        np.zeros((len(CRISES), DIM)),
        np.log(scores / (1 - scores)),
        np.full(len(CRISES), 0.5),
        "0" * 64,
    )


def language_with(
    head: Head, classifier: Classifier, detector: CrisisDetector, delay: float = 0.0
) -> Language:
    return Language(classifier, detector, Model(FakeEmbedder(delay), head))


def test_the_head_was_trained_on_the_labelled_files_as_they_are() -> None:
    """A changed, added or removed example without 'make model' fails here."""
    head = Head.load()
    assert head.data_hash == data_hash(training_files()), "run 'make model' and commit the head"
    assert head.embedder == "e5+use" and head.settings["seed"] == 7


def test_the_hash_changes_with_any_example(tmp_path: Path) -> None:
    """The recorded hash covers every file's content, so the test above can fail."""
    for path in training_files():
        shutil.copy(path, tmp_path / path.name)
    copies = sorted(tmp_path.glob("*.jsonl"))
    before = data_hash(copies)
    assert before == data_hash(training_files())
    with copies[0].open("a", encoding="utf-8") as fp:
        fp.write('{"text": "Nog een voorbeeld", "category": "overig", "crisis": null}\n')
    assert data_hash(copies) != before


def test_a_stale_head_is_reported_by_check(tmp_path: Path) -> None:
    """'wijksignaal check' names a head trained on other examples, and says what to run."""
    head = Head.load()
    stale = Head(**{**head.__dict__, "data_hash": "f" * 64})
    stale.save(tmp_path / "head.npz")
    problems = cli.model_problems(tmp_path / "head.npz")
    assert len(problems) == 1 and "make model" in problems[0]
    assert cli.model_problems(HEAD_FILE) == []


@pytest.mark.parametrize("damage", ["missing", "garbage"])
def test_without_the_model_the_cue_lists_answer_and_one_line_says_so(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing or damaged head: the bot still reads, with the cue lists, and logs one line."""
    head_file = tmp_path / "head.npz"
    if damage == "garbage":
        head_file.write_bytes(b"not a head at all")
    with caplog.at_level(logging.WARNING):
        language = Language.load(head_file=head_file)
    assert language.model is None and language.describe()["model"] is None
    assert [r.getMessage() for r in caplog.records if "cue lists alone" in r.getMessage()]
    assert len(caplog.records) == 1
    assert language.crisis("Ik wil een eind aan mijn leven maken").ids == ("zelfdoding",)
    assert language.suggest("Ik heb schulden en de deurwaarder komt").category == "geldzorgen"


def test_check_exits_1_when_the_model_cannot_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An administrator notices: one Dutch line on stderr, exit status 1."""
    monkeypatch.setattr(cli, "HEAD_FILE", tmp_path / "missing.npz")
    status = cli.main(["check", "--config", str(Path("config/example.toml").resolve())])
    err = capsys.readouterr().err
    assert status == 1
    assert "Het taalmodel kan niet starten" in err and "woordenlijsten" in err
    assert "Traceback" not in err


async def test_embedding_runs_off_the_loop_while_several_chats_report(
    db: Database,
    make_engine: object,
    classifier: Classifier,
    detector: CrisisDetector,
) -> None:
    """Five chats send a description at once to a model that takes 0.2 s a text: the event
    loop keeps ticking (the work is in the executor's thread), every chat gets its question."""
    head = fixed_head({"geldzorgen": 0.9})
    language = language_with(head, classifier, detector, delay=0.2)
    engine: Engine = make_engine(db, language=language)  # type: ignore[operator]
    chats = [Chat(engine, 100 + n) for n in range(5)]
    for chat in chats:
        await chat.command("/start")
        await chat.tap("Over iemand anders")
    gaps: list[float] = []
    running = True

    async def heartbeat() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.gather(
        *(
            c.say(f"De buurvrouw heeft echt nergens geld voor, melding {n}")
            for n, c in enumerate(chats)
        )
    )
    running = False
    await beat
    assert max(gaps) < 0.1, max(gaps)
    assert all(c.last.startswith("Gaat het over geldzorgen of schulden?") for c in chats)
    assert language.model is not None
    embedder = language.model.embedder
    assert isinstance(embedder, FakeEmbedder)
    assert embedder.threads and all(t.startswith("embed") for t in embedder.threads)
    language.close()


async def test_two_close_categories_are_asked_together_and_the_second_can_be_chosen(
    db: Database, make_engine: object, classifier: Classifier, detector: CrisisDetector
) -> None:
    """'Gaat het over ... of over ...?', with a plain reason when no cue word matched."""
    language = language_with(
        fixed_head({"geldzorgen": 0.42, "zorgmijding": 0.36}), classifier, detector
    )
    chat = Chat(make_engine(db, language=language))  # type: ignore[operator]
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Hij doet de brieven niet meer open en belt niemand terug")
    assert chat.last == (
        "Ik denk aan twee dingen. Gaat het over geldzorgen of schulden? "
        "Of over iemand die geen hulp wil?\n\n"
        "Dat denk ik door uw hele bericht, niet door losse woorden."
    )
    assert chat.labels[:3] == [
        "Over geldzorgen of schulden",
        "Over iemand die geen hulp wil",
        "Nee, iets anders",
    ]
    await chat.tap("Over iemand die geen hulp wil")
    assert chat.last == "Is er nu direct gevaar?"
    assert chat.engine is not None
    async with db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id)
    assert state.data["answers"]["category"] == "zorgmijding"


async def test_cue_words_explain_the_models_choice(
    db: Database, make_engine: object, classifier: Classifier, detector: CrisisDetector
) -> None:
    """The model decides; the resident's own cue words of that category are shown."""
    language = language_with(fixed_head({"geldzorgen": 0.9}), classifier, detector)
    chat = Chat(make_engine(db, language=language))  # type: ignore[operator]
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Zij heeft schulden en is ook erg eenzaam")
    assert chat.last == (
        "Gaat het over geldzorgen of schulden?\n\nDat denk ik door deze woorden: schulden."
    )


async def test_the_model_net_alone_finds_a_crisis_the_cues_miss(
    db: Database, make_engine: object, classifier: Classifier, detector: CrisisDetector
) -> None:
    """Either net is enough: a text without any crisis cue gets the 113 line from the model."""
    text = "Ze heeft gisteren al haar spullen weggegeven aan de buren"
    assert not detector.detect(text)
    language = language_with(
        fixed_head({"eenzaamheid": 0.9}, {"zelfdoding": 0.9}), classifier, detector
    )
    assert language.crisis(text).nets == ("model",)
    chat = Chat(make_engine(db, language=language))  # type: ignore[operator]
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say(text)
    assert "113" in chat.replies[0].text


@pytest.mark.parametrize(
    ("text", "nets"),
    [
        ("I can't go on anymore, I want to end my life", {"cues", "model"}),
        ("I wrote letters to my kids to read after I am gone", {"model"}),
    ],
)
async def test_an_english_crisis_gets_the_help_line_in_english(
    db: Database, make_engine: object, model_language: Language, text: str, nets: set[str]
) -> None:
    """A resident who chose English and writes about ending their life, at a question with
    buttons, gets the 113 line in English, not 'Please choose one of the buttons'; the second
    text holds no cue of the English list, so the model net alone finds it."""
    assert set(model_language.crisis(text).nets) == nets
    chat = Chat(make_engine(db, language=model_language))  # type: ignore[operator]
    await chat.command("/start")
    await chat.command("/taal")
    await chat.tap("English")
    await chat.say(text)
    assert chat.replies[0].text.startswith("Call 113"), chat.replies[0].text


class FailingEmbedder(FakeEmbedder):
    def embed(self, texts: Sequence[str]) -> Vectors:
        raise RuntimeError("the model broke")


async def test_a_failing_model_leaves_the_crisis_to_the_cue_lists(
    db: Database,
    make_engine: object,
    classifier: Classifier,
    detector: CrisisDetector,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whatever the model does, a crisis the cue lists know still gets its help line, and a
    lone surrogate (invalid text) does not stop the turn."""
    language = Language(classifier, detector, Model(FailingEmbedder(), fixed_head({})))
    chat = Chat(make_engine(db, language=language))  # type: ignore[operator]
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    with caplog.at_level(logging.ERROR):
        await chat.say("Ik wil een eind aan mijn leven maken \ud800")
    assert "113" in chat.replies[0].text
    assert "the cue lists read it alone" in caplog.text


def test_a_lone_surrogate_reaches_the_real_model_as_valid_text(model_language: Language) -> None:
    found = model_language.crisis("Ik wil een eind aan mijn leven maken \ud800 echt waar")
    assert found.ids == ("zelfdoding",) and "model" in found.nets


def test_a_long_text_is_read_by_its_start_and_end() -> None:
    """The model's cost stays bounded; a crisis told at the very end is still read."""
    long = "Het gaat over mijn buurman. " * 300 + "Hij wil niet meer leven."
    read = model_text(long)
    assert len(read) < 1600 and read.endswith("Hij wil niet meer leven.")
    assert model_text("kort bericht") == "kort bericht"


class LockCheckingEmbedder(FakeEmbedder):
    """Fails the test when a text is embedded while the database is held."""

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.embedded = 0
        self.inside_a_turn = 0

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.inside_a_turn += self.db._lock.locked()
        self.embedded += len(texts)
        return super().embed(texts)


@pytest.mark.parametrize("choice", ["Weghalen", "Laten staan"])
async def test_the_model_never_runs_inside_a_turn_also_after_redaction(
    db: Database,
    make_engine: object,
    classifier: Classifier,
    detector: CrisisDetector,
    choice: str,
) -> None:
    """The description is embedded before the turn takes the database; after redaction the
    suggestion uses that vector (found by its digest), not a new one made inside the turn."""
    embedder = LockCheckingEmbedder(db)
    language = Language(classifier, detector, Model(embedder, fixed_head({"geldzorgen": 0.9})))
    chat = Chat(make_engine(db, language=language))  # type: ignore[operator]
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Zij heeft geen geld meer voor eten, bel haar op 06 12345678")
    await chat.tap(choice)
    assert chat.last.startswith("Gaat het over geldzorgen of schulden?")
    assert embedder.embedded == 1 and embedder.inside_a_turn == 0
    assert all(len(key) == 64 for key in language._cache)  # digests, not residents' words


def test_the_bot_never_asks_whether_it_is_about_something_else(
    classifier: Classifier, detector: CrisisDetector
) -> None:
    """'Gaat het over een vraag, een aanbod of iets anders?' with 'Nee, iets anders' is no
    question: when 'overig' is the best or second reading, all ten are shown."""
    alone = language_with(fixed_head({"overig": 0.9}), classifier, detector)
    assert alone.suggest("Ik heb een vraag over het buurthuis").ask == ()
    paired = language_with(fixed_head({"geldzorgen": 0.4, "overig": 0.35}), classifier, detector)
    assert paired.suggest("Ik heb een vraag over de rekening van het buurthuis").ask == ()
    assert classifier.classify("Ik wil graag vrijwilliger worden").ask == ()


@pytest.mark.parametrize("damage", ["truncated", "other-order"])
def test_a_damaged_or_unfitting_head_falls_back_to_the_cue_lists(
    tmp_path: Path, damage: str, classifier: Classifier, detector: CrisisDetector
) -> None:
    head_file = tmp_path / "head.npz"
    if damage == "truncated":
        real = HEAD_FILE.read_bytes()
        head_file.write_bytes(real[: len(real) // 2])
        language = Language.load(head_file=head_file)
        assert language.model is None and "head.npz" in str(language.problem)
    else:
        head = fixed_head({"geldzorgen": 0.9})
        shuffled = Head(**{**head.__dict__, "categories": tuple(reversed(head.categories))})
        Model(FakeEmbedder(), head)  # the same head in the right order fits
        with pytest.raises(ModelUnavailable, match="does not fit"):
            Model(FakeEmbedder(), shuffled)


def test_the_real_model_reads_paraphrases_in_both_languages(model_language: Language) -> None:
    """Wording no cue list holds: the model still finds the category and the crisis."""
    assert model_language.model is not None
    assert (
        model_language.suggest("we moeten kiezen tussen de verwarming en boodschappen").category
        == "geldzorgen"
    )
    assert (
        model_language.suggest("She hasn't spoken to anyone in weeks, nobody ever visits").category
        == "eenzaamheid"
    )
    assert (
        model_language.crisis("My neighbour just swallowed a whole bottle of pills").ids[0]
        == "acuut"
    )
