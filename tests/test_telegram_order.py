"""Chats in parallel, each chat in order: the update processor of bot/channels/telegram_order.py,
through python-telegram-bot's real Application (its update queue, its fetcher's task per update)
with the offline request, and on its own."""

from __future__ import annotations

import asyncio
import inspect
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from telegram import Update

from bot.channels.telegram import (
    CONCURRENT_UPDATES,
    SENDING_KEY,
    attach_engine,
    build_application,
)
from bot.channels.telegram_offline import (
    OfflineChat,
    OfflineRequest,
    button_update,
    text_update,
)
from bot.channels.telegram_order import ChatOrder, order_key
from bot.clock import FakeClock
from bot.engine import Engine, Event, Reply
from bot.language._language import CACHE_SIZE

A, B = 5560001, 5560002


@dataclass
class GatedRequest(OfflineRequest):
    """The offline request with a gate per chat (a call for that chat waits until its gate is
    set) and, with ``jitter``, a short random pause before every call."""

    gates: dict[int, asyncio.Event] = field(default_factory=dict)
    jitter: random.Random | None = None

    async def before_call(self, api_method: str, params: dict[str, Any]) -> None:
        chat = params.get("chat_id")
        gate = self.gates.get(int(str(chat))) if chat is not None else None
        if gate is not None:
            await gate.wait()
        if self.jitter is not None:
            await asyncio.sleep(self.jitter.uniform(0, 0.002))

    def texts(self, chat_id: int) -> list[str]:
        return [str(c.params["text"]) for c in self.sent() if c.params.get("chat_id") == chat_id]


@pytest.fixture
async def app(engine: Engine) -> AsyncIterator[Any]:
    """The bot's Application, started (its update fetcher runs), without polling."""
    request = GatedRequest()
    application = build_application("123456:TEST", request=request)
    await application.initialize()
    attach_engine(application, engine)
    application.bot_data["request"] = request
    await application.start()
    yield application
    for gate in request.gates.values():  # a failed test leaves no call waiting
        gate.set()
    if application.running:
        await application.stop()
    await application.shutdown()


def request_of(app: Any) -> GatedRequest:
    request: GatedRequest = app.bot_data["request"]
    return request


async def until(condition: Callable[[], bool], seconds: float = 1.0) -> None:
    """Wait (at most ``seconds``) until ``condition`` holds."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 - the conditions are the bot's, not events
            await asyncio.sleep(0.002)


async def all_done(app: Any) -> None:
    """Until every update put on the queue was handled."""
    async with asyncio.timeout(1.0):
        await app.update_queue.join()


def feed(app: Any, *updates: Update) -> None:
    """Put updates on the Application's queue at once, as the poller does with a batch."""
    for update in updates:
        app.update_queue.put_nowait(update)


async def test_the_application_orders_per_chat_and_one_at_a_time_remains(app: Any) -> None:
    """build_application uses ChatOrder with the configured cap; ``concurrent=False`` gives the
    old processing, one update at a time, which the benchmark compares with."""
    processor = app.update_processor
    assert isinstance(processor, ChatOrder)
    assert processor.max_running == CONCURRENT_UPDATES
    assert app.concurrent_updates >= CONCURRENT_UPDATES
    old = build_application("123456:TEST", request=OfflineRequest(), concurrent=False)
    assert old.concurrent_updates == 1 and not isinstance(old.update_processor, ChatOrder)


def test_the_cap_keeps_a_prepared_text_vector_until_its_turn() -> None:
    """Every other update in the handlers adds at most one vector to the language cache while a
    turn waits for the database; with no more updates in the handlers than the cache holds, the
    vector made before the turn is still there when the crisis check reads it."""
    assert CONCURRENT_UPDATES <= CACHE_SIZE


async def test_the_line_is_the_chat_else_the_user_else_one_common_line(app: Any) -> None:
    """A message and a button press line up by their chat; a press on an inline message (no
    chat) by its sender, whose private chat has the same id; anything else shares one line."""
    bot = app.bot
    assert order_key(text_update(bot, 1, A, "/start")) == A
    assert order_key(button_update(bot, 2, A, "a:1:0")) == A
    inline = Update.de_json(
        {
            "update_id": 3,
            "callback_query": {
                "id": "q",
                "from": {"id": B, "is_bot": False, "first_name": "X"},
                "chat_instance": "1",
                "inline_message_id": "abc",
            },
        },
        bot,
    )
    assert inline.effective_chat is None and order_key(inline) == B
    assert order_key(Update.de_json({"update_id": 4}, bot)) is None
    assert order_key(object()) is None


async def test_a_chat_whose_answer_is_slow_does_not_hold_up_another(app: Any) -> None:
    """Chat A's answer cannot leave (Telegram is slow for A: its gate is shut); chat B, whose
    update came after A's, is answered meanwhile. Once A's gate opens, A is answered too."""
    request = request_of(app)
    request.gates[A] = asyncio.Event()
    bot = app.bot
    feed(app, text_update(bot, 1, A, "/start"), text_update(bot, 2, B, "/start"))
    await until(lambda: request.texts(B)[-1:] == ["Over wie gaat het?"])
    await until(lambda: app.update_processor.chats == 1)  # B's line is gone, A's is there
    assert request.texts(A) == []
    request.gates[A].set()
    await all_done(app)
    assert request.texts(A) == request.texts(B)


REPORT: list[tuple[str, str]] = [
    ("type", "/start"),
    ("tap", "Over iemand anders"),
    ("type", "Mijn buurman is erg eenzaam, hij krijgt nooit bezoek en de post stapelt op."),
    ("tap", "Ja"),
    ("tap", "Nee"),
    ("tap", "Ja"),
    ("type", "/hulp"),
    ("type", "1503 AB"),
    ("tap", "Ja, dat is goed"),
    ("tap", "Via deze chat"),
    ("tap", "Nee, liever niet"),
    ("type", "/privacy"),
    ("tap", "Versturen"),
]


async def test_one_chats_updates_are_handled_in_order_when_fed_at_once(
    app: Any, engine: Engine
) -> None:
    """A whole report is first done step by step in chat A, each step after the answer. Chat B
    then sends the same thirteen updates (the same button data) all at once, while every call
    to Telegram pauses a random moment, so that handling out of order would show: B's turns run
    in update_id order, none is lost as "seen before", and B reads the very same conversation as
    A, message by message, with nothing of one answer between the messages of another."""
    request = request_of(app)
    reference = OfflineChat(app, request, A)
    steps: list[tuple[str, str]] = []
    for kind, said in REPORT:
        if kind == "type":
            steps.append((kind, said))
            await reference.send(said)
        else:
            steps.append((kind, reference.button_data(said)))
            await reference.tap(said)
    assert any("WS-" in text for text in request.texts(A)[-2:])

    handled: list[int] = []
    original = engine.handle

    async def handle(event: Event) -> list[Reply]:
        if event.chat_id == B and event.update_id is not None:
            handled.append(event.update_id)
        return await original(event)

    engine.handle = handle  # type: ignore[method-assign]
    request.jitter = random.Random(7)
    bot = app.bot
    updates = [
        text_update(bot, 100 + n, B, data)
        if kind == "type"
        else button_update(bot, 100 + n, B, data)
        for n, (kind, data) in enumerate(steps)
    ]
    feed(app, *updates)
    await all_done(app)
    assert handled == [u.update_id for u in updates]

    def anonymous(texts: list[str]) -> list[str]:
        return [re.sub(r"WS-\d{4}-\d{5}", "WS-…", t) for t in texts]

    assert anonymous(request.texts(B)) == anonymous(request.texts(A))
    assert app.update_processor.chats == 0


async def test_the_lock_table_is_empty_when_all_updates_are_done(app: Any) -> None:
    """Twenty chats send three updates each at once, one chat held up at its gate: while it
    waits the table holds a line for that chat only as long as needed, and once every update is
    handled the table of chat locks is empty: nothing grows with the chats seen."""
    request = request_of(app)
    request.jitter = random.Random(3)
    request.gates[A] = asyncio.Event()
    processor: ChatOrder = app.update_processor
    bot = app.bot
    chats = [A, *range(A + 1, A + 20)]
    update_id = 1
    updates = []
    for said in ("/start", "/hulp", "/privacy"):
        for chat in chats:
            updates.append(text_update(bot, update_id, chat, said))
            update_id += 1
    feed(app, *updates)
    await until(lambda: all(len(request.texts(c)) >= 3 for c in chats[1:]))
    await until(lambda: processor.chats == 1)  # A alone: its three updates wait in line
    request.gates[A].set()
    await all_done(app)
    assert processor.chats == 0
    assert all(len(request.texts(c)) >= 3 for c in chats)


async def test_a_reply_being_sent_by_its_turn_is_not_sent_again_by_the_resend_job(
    app: Any, engine: Engine, clock: FakeClock
) -> None:
    """Under load the sends of a turn may wait longer than the resend job's minute: the job
    leaves a queued reply alone while its turn is sending it, so it is sent once."""
    request = request_of(app)
    request.gates[A] = asyncio.Event()
    feed(app, text_update(app.bot, 1, A, "/start"))
    await until(lambda: bool(app.bot_data[SENDING_KEY]))
    clock.advance(timedelta(minutes=2))
    async with engine.db.transaction() as tx:
        queued = await tx.reply_queue.pending(clock.now() - timedelta(minutes=1))
    assert len(queued) == 2, "the welcome and the question, both older than a minute now"
    (job,) = app.job_queue.get_jobs_by_name("resend")
    resending = asyncio.create_task(job.run(app))
    await asyncio.sleep(0.01)
    request.gates[A].set()
    await all_done(app)
    async with asyncio.timeout(1.0):
        await resending
    texts = request.texts(A)
    assert len(texts) == 2 and texts[-1] == "Over wie gaat het?", "each reply sent once"
    assert app.bot_data[SENDING_KEY] == set()
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM reply_queue") == []


def any_update(app: Any, update_id: int, chat_id: int) -> Update:
    return text_update(app.bot, update_id, chat_id, "x")


async def test_at_most_max_running_updates_are_in_the_handlers(app: Any) -> None:
    """Five chats at once through a processor that lets two run: never more than two are in
    their handlers, and all five finish."""
    processor = ChatOrder(max_running=2)
    inside = 0
    most = 0
    release = asyncio.Event()

    async def handler() -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await release.wait()
        inside -= 1

    tasks = [
        asyncio.create_task(processor.process_update(any_update(app, n, A + n), handler()))
        for n in range(5)
    ]
    await until(lambda: inside == 2)
    await asyncio.sleep(0.01)
    assert most == 2 and processor.chats == 5
    release.set()
    async with asyncio.timeout(1.0):
        await asyncio.gather(*tasks)
    assert most == 2 and processor.chats == 0


async def test_updates_waiting_for_their_own_chat_hold_no_place(app: Any) -> None:
    """Two places in the handlers; chat A's first update is stuck and two more of A's wait
    behind it. They do not take the second place: chat B's update still runs and finishes."""
    processor = ChatOrder(max_running=2)
    stuck = asyncio.Event()
    done: list[int] = []

    async def handler(update_id: int, wait: bool) -> None:
        if wait:
            await stuck.wait()
        done.append(update_id)

    tasks = [
        asyncio.create_task(processor.process_update(any_update(app, 1, A), handler(1, True))),
        asyncio.create_task(processor.process_update(any_update(app, 2, A), handler(2, False))),
        asyncio.create_task(processor.process_update(any_update(app, 3, A), handler(3, False))),
        asyncio.create_task(processor.process_update(any_update(app, 4, B), handler(4, False))),
    ]
    await until(lambda: done == [4])
    stuck.set()
    async with asyncio.timeout(1.0):
        await asyncio.gather(*tasks)
    assert done == [4, 1, 2, 3]


async def test_an_update_cancelled_while_waiting_leaves_no_line_and_no_coroutine(
    app: Any,
) -> None:
    """An update cancelled while it waits behind its chat (the Application stopping): its
    line is forgotten with the last update of the chat, and its handler, never started, is
    closed rather than left 'never awaited'."""
    processor = ChatOrder(max_running=4)
    stuck = asyncio.Event()

    async def first() -> None:
        await stuck.wait()

    async def second() -> None:
        raise AssertionError("a cancelled update never runs")

    waiting: Awaitable[None] = second()
    one = asyncio.create_task(processor.process_update(any_update(app, 1, A), first()))
    two = asyncio.create_task(processor.process_update(any_update(app, 2, A), waiting))
    await until(lambda: processor.chats == 1)
    await asyncio.sleep(0)
    two.cancel()
    with pytest.raises(asyncio.CancelledError):
        await two
    assert inspect.getcoroutinestate(waiting) == inspect.CORO_CLOSED  # type: ignore[arg-type]
    assert processor.chats == 1
    stuck.set()
    await one
    assert processor.chats == 0
