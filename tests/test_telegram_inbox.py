"""The durable inbox and the reply queue through the real Application with the offline
request: what a crash leaves is handled and sent at start-up, in order; a group's or an inline
message's button press is answered and leaves the inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels.telegram import attach_engine, build_application, recover_at_start
from bot.channels.telegram_inbox import InboxBot
from bot.channels.telegram_offline import OfflineRequest, poll_once, text_json
from bot.engine import Engine, Reply
from storage import Cipher

CHAT = 5550002


@pytest.fixture
async def app(engine: Engine) -> AsyncIterator[Any]:
    request = OfflineRequest()
    application = build_application("123456:TEST", request=request)
    await application.initialize()
    attach_engine(application, engine)
    application.bot_data["request"] = request
    yield application
    await application.shutdown()


def sent_texts(app: Any, chat_id: int) -> list[str]:
    request: OfflineRequest = app.bot_data["request"]
    return [
        str(c.params["text"])
        for c in request.calls
        if c.method == "sendMessage" and c.params.get("chat_id") == chat_id
    ]


async def test_stored_updates_and_queued_replies_go_first_at_start_up(
    app: Any, engine: Engine
) -> None:
    """As after a kill: one reply was committed but never sent, and two updates were fetched
    (stored) but never handled. At start-up the reply is sent, then the updates are handled in
    order; inbox and queue are empty afterwards."""
    bot: InboxBot = app.bot
    async with engine.db.transaction() as tx:
        await tx.reply_queue.add(
            CHAT, Reply("Uw nummer is WS-2026-00009.").to_json(), engine.clock.now()
        )
    parsed = await bot.keep_and_parse(
        [text_json(1, CHAT, "/start"), text_json(2, CHAT, "Over mijzelf")]
    )
    assert [u.update_id for u in parsed] == [1, 2]
    resent, handled = await recover_at_start(app)
    assert (resent, handled) == (1, 2)
    texts = sent_texts(app, CHAT)
    assert texts[0] == "Uw nummer is WS-2026-00009."
    assert texts[-1].startswith("Wat is er aan de hand?"), "the second update after the first"
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM inbox") == []
        assert await tx.read("SELECT * FROM reply_queue") == []


async def test_a_turn_and_its_inbox_row_and_replies_are_one_transaction(
    app: Any, engine: Engine
) -> None:
    """Handled through process_update, the update leaves the inbox and its replies pass through
    the queue: both tables are empty once Telegram accepted the replies."""
    bot: InboxBot = app.bot
    (update,) = await bot.keep_and_parse([text_json(10, CHAT, "/start")])
    async with engine.db.transaction() as tx:
        assert len(await tx.read("SELECT * FROM inbox WHERE state = 'nieuw'")) == 1
    await app.process_update(update)
    assert sent_texts(app, CHAT)[-1] == "Over wie gaat het?"
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM inbox") == []
        assert await tx.read("SELECT * FROM reply_queue") == []


async def test_an_unreadable_update_is_set_aside_without_its_content(
    app: Any, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """A batch with a malformed update in the middle: the others are parsed, the bad one is
    kept as 'onleesbaar' with no content, logged once by id; the next poll starts past it."""
    bot: InboxBot = app.bot
    bad = {"update_id": 21, "message": {"message_id": 1, "date": "x", "chat": "GEHEIM"}}
    parsed = await bot.keep_and_parse(
        [text_json(20, CHAT, "/start"), bad, text_json(22, CHAT, "/stop")]
    )
    assert [u.update_id for u in parsed] == [20, 22]
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT update_id, state, raw FROM inbox WHERE state != 'nieuw'")
    assert rows == [(21, "onleesbaar", None)]
    assert caplog.text.count("cannot be read") == 1 and "GEHEIM" not in caplog.text
    last_bad = await bot.keep_and_parse([bad])
    assert last_bad == () and bot._skip_to == 22


@pytest.mark.parametrize(
    "where",
    [
        {"message": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "group"}}},
        {"inline_message_id": "abc"},
    ],
)
async def test_a_button_in_a_group_or_inline_message_is_answered(
    app: Any, engine: Engine, where: dict[str, Any]
) -> None:
    """The spinner never turns forever: the press is answered, nothing else is sent, and the
    update leaves the inbox."""
    bot: InboxBot = app.bot
    query = {
        "id": "q1",
        "from": {"id": CHAT, "is_bot": False, "first_name": "X"},
        "chat_instance": "1",
        "data": "a:1:0",
        **where,
    }
    (update,) = await bot.keep_and_parse([{"update_id": 30, "callback_query": query}])
    await app.process_update(update)
    request: OfflineRequest = app.bot_data["request"]
    assert [c.method for c in request.calls if c.method != "getMe"] == ["answerCallbackQuery"]
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM inbox") == []


def test_a_queued_reply_keeps_its_picture_and_file() -> None:
    """A reply in the queue comes back with its buttons, file and picture byte for byte."""
    from bot.engine import Button

    reply = Reply(
        "Wijkbeeld",
        (Button("Ja", "wb:krommenie"),),
        7,
        ("a.json", b"{}"),
        photo=b"\x89PNG\x00\xff",
        if_blocked="niet aangekomen",
    )
    assert Reply.from_json(reply.to_json(), 3) == reply
    assert Reply.from_json(Reply("Tekst").to_json()).photo is None


# -- nothing stops the bot: one bad update never blocks the batch or the ones after it ------

LATER = 5550003  # a resident who writes after the bad update


def later_start(update_id: int) -> dict[str, Any]:
    return text_json(update_id, LATER, "/start")


async def poll_until_quiet(app: Any, offset: int = 0, rounds: int = 5) -> int:
    """Poll as python-telegram-bot's Updater does until Telegram has nothing more to give;
    fails when it keeps giving (the same batch fetched again and again)."""
    request: OfflineRequest = app.bot_data["request"]
    for _round in range(rounds):
        offset = await poll_once(app, offset)
        if not request.waiting:
            return offset
    raise AssertionError(f"still waiting after {rounds} polls: {len(request.waiting)} updates")


async def test_a_lone_surrogate_in_an_update_is_answered_and_blocks_no_one(
    app: Any, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Half a surrogate pair in a text (valid JSON, invalid UTF-8) used to make storing the
    batch fail, so the poller fetched it again and again and nobody was answered. Now the
    update is stored, its resident answered, the resident after it too, and nothing fails."""
    request: OfflineRequest = app.bot_data["request"]
    request.waiting += [text_json(40, CHAT, "/start"), text_json(41, CHAT, "Hallo \ud800 daar")]
    request.waiting.append(later_start(42))
    await poll_until_quiet(app)
    assert sent_texts(app, CHAT)[1] == "Over wie gaat het?"
    assert sent_texts(app, CHAT)[-2].startswith("Kies een van de knoppen."), "answered in turn"
    assert sent_texts(app, LATER)[-1] == "Over wie gaat het?"
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM inbox") == []
    assert "update failed" not in caplog.text and "set aside" not in caplog.text


async def test_a_stored_update_with_a_lone_surrogate_is_handled_at_start_up(
    app: Any, engine: Engine
) -> None:
    """Stored but never handled (the process died): what the inbox kept is still an update
    python-telegram-bot can read, and at start-up it is answered, before the one after it."""
    bot: InboxBot = app.bot
    parsed = await bot.keep_and_parse(
        [text_json(50, CHAT, "/start"), text_json(51, CHAT, "Over \udfff mij"), later_start(52)]
    )
    assert [u.update_id for u in parsed] == [50, 51, 52]
    assert await recover_at_start(app) == (0, 3)
    assert sent_texts(app, CHAT)[-2].startswith("Kies een van de knoppen."), "the text read"
    assert sent_texts(app, CHAT)[-1] == "Over wie gaat het?"
    assert sent_texts(app, LATER)[-1] == "Over wie gaat het?"


async def test_an_update_that_cannot_be_encrypted_is_set_aside_and_counted(
    app: Any,
    engine: Engine,
    cipher: Cipher,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever makes storing one update fail, it is set aside by itself (no content, its
    error class), counted, logged by id and class alone; the rest of the batch is stored and
    answered, and Telegram is not asked for it again."""
    encrypt = cipher.encrypt

    def refusing(value: str | None) -> str | None:
        if value is not None and "WEIGER" in value:
            raise ValueError("refused")
        return encrypt(value)

    monkeypatch.setattr(cipher, "encrypt", refusing)
    request: OfflineRequest = app.bot_data["request"]
    request.waiting += [text_json(60, CHAT, "WEIGER 0612345678"), later_start(61)]
    offset = await poll_until_quiet(app)
    assert offset == 62
    assert sent_texts(app, LATER)[-1] == "Over wie gaat het?"
    assert sent_texts(app, CHAT) == [], "the refused update is not handled"
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT update_id, state, raw, reason FROM inbox")
    assert rows == [(60, "onleesbaar", None, "ValueError")]
    assert app.bot.set_aside_count == 1
    assert "update 60 cannot be stored (ValueError)" in caplog.text
    assert "WEIGER" not in caplog.text and "0612345678" not in caplog.text


@pytest.mark.parametrize(
    "bad",
    [
        {"update_id": 10**30, "message": {"text": "GEHEIM"}},  # beyond SQLite's integers
        {"update_id": True, "message": {"text": "GEHEIM"}},
        {"update_id": "70", "message": {"text": "GEHEIM"}},
        ["GEHEIM"],
        "GEHEIM",
    ],
    ids=["huge-id", "bool-id", "text-id", "list", "string"],
)
async def test_an_item_without_a_usable_id_is_skipped_and_counted(
    app: Any, engine: Engine, caplog: pytest.LogCaptureFixture, bad: Any
) -> None:
    """An item of a batch with no id the inbox can store it under is skipped, counted and
    logged without content; the update after it is answered."""
    request: OfflineRequest = app.bot_data["request"]
    request.waiting += [bad, later_start(71)]
    await poll_until_quiet(app)
    assert sent_texts(app, LATER)[-1] == "Over wie gaat het?"
    assert app.bot.set_aside_count == 1
    assert "without a usable id cannot be read" in caplog.text and "GEHEIM" not in caplog.text
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM inbox") == []


@pytest.mark.parametrize(
    "field",
    [
        {"chat": {"id": [1], "type": "private"}},
        {"from": {"id": CHAT, "is_bot": False, "first_name": 7}},
        {"text": {"GEHEIM": 1}},
    ],
    ids=["chat-id-a-list", "name-a-number", "text-a-dict"],
)
async def test_an_update_whose_fields_have_the_wrong_types_is_set_aside(
    app: Any, engine: Engine, caplog: pytest.LogCaptureFixture, field: dict[str, Any]
) -> None:
    """python-telegram-bot takes any type; a field the bot reads of another type than the
    Bot API's would fail in the handler (or before it, logging the whole update). It is set
    aside as unreadable instead, and the next update is answered."""
    bad = text_json(80, CHAT, "GEHEIM")
    bad["message"].update(field)
    request: OfflineRequest = app.bot_data["request"]
    request.waiting += [bad, later_start(81)]
    await poll_until_quiet(app)
    assert sent_texts(app, LATER)[-1] == "Over wie gaat het?"
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT update_id, state, raw, reason FROM inbox")
    assert rows == [(80, "onleesbaar", None, "TypeError")]
    assert "update failed" not in caplog.text and "GEHEIM" not in caplog.text


async def test_at_start_up_an_update_that_fails_is_set_aside_and_the_next_handled(
    app: Any, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recovery goes on past a stored update it cannot read and past one whose handling
    fails even outside the handlers (the error handler itself): both are set aside and
    counted, the next is answered, and recovery ends."""
    bot: InboxBot = app.bot
    await bot.keep_and_parse(
        [text_json(90, CHAT, "/start"), text_json(91, CHAT, "/start"), later_start(92)]
    )
    async with engine.db.transaction() as tx:
        await tx.write("UPDATE inbox SET raw = ? WHERE update_id = 90", (tx.cipher.encrypt("{"),))
    process = app.process_update

    async def failing(update: Any) -> None:
        if update.update_id == 91:
            raise RuntimeError("the error handler failed")
        await process(update)

    monkeypatch.setattr(app, "process_update", failing)
    assert await recover_at_start(app) == (0, 1)
    assert sent_texts(app, LATER)[-1] == "Over wie gaat het?"
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT update_id, state, raw, reason FROM inbox ORDER BY 1")
    assert rows == [
        (90, "onleesbaar", None, "JSONDecodeError"),
        (91, "mislukt", None, "RuntimeError"),
    ]
    assert bot.set_aside_count == 2
