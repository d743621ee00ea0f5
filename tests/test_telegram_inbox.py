"""The durable inbox and the reply queue through the real Application with the offline
request: what a crash leaves is handled and sent at start-up, in order; a group's or an inline
message's button press is answered and leaves the inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.channels.telegram import attach_engine, build_application, recover_at_start
from bot.channels.telegram_inbox import InboxBot
from bot.channels.telegram_offline import OfflineRequest, _message
from bot.engine import Engine, Reply

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


def text(update_id: int, chat_id: int, words: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": words}
    if words.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(words)}]
    return {"update_id": update_id, "message": _message(chat_id, update_id, **content)}


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
    parsed = await bot.keep_and_parse([text(1, CHAT, "/start"), text(2, CHAT, "Over mijzelf")])
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
    (update,) = await bot.keep_and_parse([text(10, CHAT, "/start")])
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
    parsed = await bot.keep_and_parse([text(20, CHAT, "/start"), bad, text(22, CHAT, "/stop")])
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
