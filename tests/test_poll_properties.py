"""Property: whatever Telegram hands over, the bot goes on. Random JSON, random strings (lone
surrogate halves among them) and random callback data go through ``get_updates`` (the durable
inbox) and the real Application's update processor and handlers, as the Updater would hand
them on; afterwards a new resident is still answered, nothing is fetched twice and nothing is
left waiting in the inbox.

The run is bounded (a fixed number of examples, derandomised, no deadline): seconds, not
minutes.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram_offline import OfflineChat, button_json, poll_once, text_json
from bot.engine import TEXT_LIMIT, Engine, units
from tests.test_properties import PROPERTY_SETTINGS

SETTINGS = settings(PROPERTY_SETTINGS, max_examples=60)

SURROGATE = st.characters(categories=["Cs"])  # half a pair: valid in JSON, not in UTF-8
ANY_CHAR = st.one_of(st.characters(), SURROGATE)
ODD = st.sampled_from(
    [
        "\ud800",
        "a\udfffb",
        "\ud83d",
        "\x00",
        "9" * 5000,
        " ".join("a@b.c" for _ in range(333)),
        "0612345678",
        "🙂" * 2100,
        "x" * 5000,
        "",
        "/start \ud800",
        "/stop",
        "Weghalen",
    ]
)
ANY_TEXT = st.one_of(ODD, st.text(ANY_CHAR, max_size=40))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ANY_TEXT, inner, max_size=3),
    max_leaves=8,
)
PREFIXES = st.sampled_from(["a", "w", "l", "s", "v", "c", "o", "q", "m", "ra", "ao", "wb", ""])
CALLBACK = st.one_of(
    ANY_TEXT,
    st.builds(
        lambda prefix, ask, index: f"{prefix}:{ask}:{index}",
        PREFIXES,
        st.integers(0, 6).map(str) | ANY_TEXT,
        st.integers(0, 12).map(str) | st.just("9" * 5000) | st.just("0" * 5000) | ANY_TEXT,
    ),
)
CHATS = st.sampled_from([4_000_001, 4_000_002, 4_000_003])
MESSAGE_FIELDS = st.sampled_from(["chat", "from", "text", "entities", "date", "message_id"])

# One thing in a batch; the update id is given when the batch is made (Telegram's only grow).
ITEM = st.one_of(
    st.tuples(st.just("bare"), JSON),  # anything at all, without an id
    st.tuples(st.just("fields"), st.dictionaries(ANY_TEXT, JSON, max_size=3)),
    st.tuples(st.just("text"), st.tuples(CHATS, ANY_TEXT)),
    st.tuples(st.just("command"), st.tuples(CHATS, ANY_TEXT)),
    st.tuples(st.just("button"), st.tuples(CHATS, CALLBACK)),
    st.tuples(st.just("odd field"), st.tuples(CHATS, MESSAGE_FIELDS, JSON)),
)


def raw_update(kind: str, value: Any, update_id: int) -> Any:
    """The JSON Telegram would send (or not quite) for one item."""
    if kind == "bare":
        return value
    if kind == "fields":
        return {**value, "update_id": update_id}
    if kind == "button":
        return button_json(update_id, *value)
    if kind == "odd field":
        chat, field, odd = value
        raw = text_json(update_id, chat, "Hallo")
        raw["message"][field] = odd
        return raw
    chat, words = value
    return text_json(update_id, chat, f"/start {words}" if kind == "command" else words)


@SETTINGS
@given(batch=st.lists(ITEM, min_size=1, max_size=6))
async def test_after_any_batch_a_new_resident_is_still_answered(
    telegram: OfflineChat,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    batch: list[tuple[str, Any]],
) -> None:
    """Whatever the batch holds, polling as the Updater does drains it (nothing fetched again
    and again), no handler fails, every message sent is a real text within Telegram's limit,
    nothing stays waiting in the inbox, and a resident who writes next gets the first
    question."""
    caplog.clear()
    app, request = telegram.app, telegram.request
    request.waiting.clear()  # what a failed example left behind
    before = len(request.calls)
    ids = app.bot_data.setdefault("ids", itertools.count(1))
    newcomer = 6_000_000 + next(ids)
    request.waiting += [raw_update(kind, value, next(ids)) for kind, value in batch]
    request.waiting.append(text_json(next(ids), newcomer, "/start"))
    offset = app.bot_data.get("offset", 0)
    for _poll in range(3):
        offset = await poll_once(app, offset)
        if not request.waiting:
            break
    app.bot_data["offset"] = offset
    assert request.waiting == [], "the same updates are fetched again and again"
    sent = [c.params for c in request.calls[before:] if c.method == "sendMessage"]
    assert [p["text"] for p in sent if p["chat_id"] == newcomer][-1:] == ["Over wie gaat het?"]
    for params in sent:
        assert str(params["text"]).strip() and units(str(params["text"])) <= TEXT_LIMIT
    # No handler failed, and python-telegram-bot logged no error (it would log the update
    # whole, content and all): the only errors are the inbox's own lines, by id and class.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.name == "bot.channels.telegram_inbox" for r in errors), errors
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT update_id FROM inbox WHERE state = 'nieuw'") == []
