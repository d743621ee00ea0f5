"""Where python-telegram-bot's fetching meets its processing: the durable inbox.

The Updater asks ``bot.get_updates(offset)`` and puts what it gets on the update queue; it tells
Telegram that a batch arrived only by asking again with a higher offset. :class:`InboxBot`
therefore stores every update of a batch in the database (one short transaction) before
returning it, so nothing Telegram forgets is lost when the process dies with updates waiting in
memory. The turn that handles an update deletes it from the inbox in its own transaction (see
:meth:`bot.engine.Engine.handle`); at start-up :func:`recover` resends what was not delivered and
handles what was stored but never handled, oldest first.

One bad update never holds up the others, in a batch or at start-up. Each update is stored on
its own (a lone surrogate half is stored as U+FFFD, see :class:`storage.Cipher`); one that
cannot be stored or parsed (a newer Bot API field, a malformed value, a field of the wrong
type) is set aside as ``onleesbaar``, counted, and logged once by its id and error class alone;
one without an id the inbox can hold is skipped the same way. The next offset passes them, so
Telegram forgets them and the rest is handled. At start-up, a stored update that cannot be read
or handled is set aside likewise and recovery goes on.
"""

from __future__ import annotations

import datetime as dtm
import json
import logging
from collections.abc import Collection, Sequence
from typing import Any

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput, TimePeriod
from telegram.ext import Application, ExtBot

from bot.engine import Engine, Reply

log = logging.getLogger(__name__)


class InboxBot(ExtBot[None]):
    """An ExtBot whose ``get_updates`` keeps every update in the inbox before handing it on."""

    # Bots are frozen objects; underscore attributes may still be set.
    _engine: Engine | None = None
    _skip_to: int | None = None  # the offset past an unreadable last update
    _set_aside = 0  # updates set aside or skipped since start-up, in the log line

    def keep_for(self, engine: Engine) -> None:
        """From now on every fetched update goes into ``engine``'s inbox first."""
        self._engine = engine

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: TimePeriod | None = None,  # noqa: ASYNC109 - the Bot API signature
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        if self._engine is None:
            return await super().get_updates(
                offset,
                limit,
                timeout,
                allowed_updates,
                read_timeout=read_timeout,
                write_timeout=write_timeout,
                connect_timeout=connect_timeout,
                pool_timeout=pool_timeout,
                api_kwargs=api_kwargs,
            )
        if self._skip_to is not None and (offset is None or offset < self._skip_to):
            offset = self._skip_to
        # As Bot.get_updates does: the read timeout waits for the long poll on top.
        if isinstance(read_timeout, DefaultValue):
            base = self._request[0].read_timeout or 0
        else:
            base = read_timeout or 0
        wait = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else timeout or 0
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        raw = await self._post(
            "getUpdates",
            data,
            read_timeout=base + wait,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        return await self.keep_and_parse(list(raw or []))

    async def keep_and_parse(self, raw: list[Any]) -> tuple[Update, ...]:
        """Store the batch, each update on its own, then parse each; one that cannot be stored
        or parsed is set aside, and the others go on."""
        engine = self._engine
        assert engine is not None
        items: list[tuple[int, JSONDict]] = []
        for item in raw:
            update_id = usable_id(item)
            if update_id is None:
                # Nothing to store it under, nothing to name it by (a huge id is not logged).
                self.note_set_aside(None, type(item).__name__)
            else:
                items.append((update_id, item))
        if not items:
            return ()
        as_json: list[tuple[int, str]] = []
        unwritable: list[tuple[int, str]] = []
        for update_id, item in items:
            try:
                as_json.append((update_id, json.dumps(item, ensure_ascii=False)))
            except Exception as exc:  # a value JSON cannot hold: this update alone
                unwritable.append((update_id, type(exc).__name__))
        async with engine.db.transaction() as tx:
            await tx.inbox.keep_aside(unwritable, engine.clock.now())
            refused = await tx.inbox.store(as_json, engine.clock.now())
        aside = dict(unwritable + refused)
        for update_id, reason in aside.items():
            self.note_set_aside(update_id, reason, "stored")
        updates: list[Update] = []
        for update_id, item in items:
            if update_id in aside:
                continue
            update = await self.parse(update_id, item)
            if update is not None:
                updates.append(update)
        highest = max(update_id for update_id, _item in items)
        if not updates or updates[-1].update_id < highest:
            self._skip_to = highest + 1
        return tuple(updates)

    async def parse(self, update_id: int, item: JSONDict) -> Update | None:
        """The update, or ``None`` after setting it aside as unreadable."""
        engine = self._engine
        assert engine is not None
        try:
            update = Update.de_json(item, self)
            check_types(update)
            self.insert_callback_data(update)
        except Exception as exc:
            async with engine.db.transaction() as tx:
                await tx.inbox.set_aside(update_id, "onleesbaar", type(exc).__name__)
            self.note_set_aside(update_id, type(exc).__name__)
            return None
        return update

    @property
    def set_aside_count(self) -> int:
        """How many updates were set aside or skipped since start-up."""
        return self._set_aside

    def note_set_aside(self, update_id: int | None, reason: str, what: str = "read") -> None:
        """Count one update set aside (or, without an id, skipped) and log it once, by its id
        and error class alone: its content may hold personal data. The inbox keeps those
        with an id for a month, by state and reason."""
        self._set_aside += 1
        name = "an update without a usable id" if update_id is None else f"update {update_id}"
        done = "skipped" if update_id is None else "set aside"
        log.error(
            "%s cannot be %s (%s); %s, %d since start-up", name, what, reason, done, self._set_aside
        )


def check_types(update: Update) -> None:
    """Raise ``TypeError`` when a field the bot reads (an id, a name, a text, callback data)
    has another type than the Bot API promises: python-telegram-bot takes what it is given, and
    such an update would fail in the handler, or in python-telegram-bot before it, which logs
    the whole update, content and all."""
    chat, user = update.effective_chat, update.effective_user
    message, query = update.effective_message, update.callback_query
    if not (
        (chat is None or type(chat.id) is int)
        and (user is None or (type(user.id) is int and isinstance(user.first_name, str)))
        and (message is None or message.text is None or isinstance(message.text, str))
        and (query is None or query.data is None or isinstance(query.data, str))
    ):
        raise TypeError("a field of another type than the Bot API's")


def usable_id(item: object) -> int | None:
    """The update id of one item of a batch, when it is one the inbox can store: an integer
    within SQLite's range (not a bool)."""
    if not isinstance(item, dict):
        return None
    update_id = item.get("update_id")
    if type(update_id) is not int or not -(2**63) <= update_id < 2**63:
        return None
    return update_id


async def recover(app: Application[Any, Any, Any, Any, Any, Any], send: Any) -> tuple[int, int]:
    """At start-up, before polling: resend queued replies, then handle stored updates in order.
    One that cannot be read or handled is set aside and the next goes on. The numbers of
    replies resent and updates handled."""
    engine: Engine = app.bot_data["engine"]
    bot = app.bot

    async def set_aside(update_id: int, state: str, reason: str, what: str) -> None:
        async with engine.db.transaction() as tx:
            await tx.inbox.set_aside(update_id, state, reason)
        if isinstance(bot, InboxBot):
            bot.note_set_aside(update_id, reason, what)

    resent = await resend(engine, send, engine.clock.now() + dtm.timedelta(days=1))
    handled = 0
    while True:
        async with engine.db.transaction() as tx:
            pending = await tx.inbox.pending()
        if not pending:
            break
        for update_id, raw in pending:
            try:
                update = Update.de_json(json.loads(raw), bot)
                check_types(update)
            except Exception as exc:
                await set_aside(update_id, "onleesbaar", type(exc).__name__, "read")
                continue
            try:
                await app.process_update(update)
            except Exception as exc:  # the error handler itself failed: never again either
                await set_aside(update_id, "mislukt", type(exc).__name__, "handled")
                continue
            handled += 1
            async with engine.db.transaction() as tx:
                # A turn that failed was told to the chat by the error handler: never again.
                still = await tx.read(
                    "SELECT 1 FROM inbox WHERE update_id = ? AND state = 'nieuw'", (update_id,)
                )
                if still:
                    await tx.inbox.set_aside(update_id, "mislukt", "not handled at start-up")
    if resent or handled:
        log.info("start-up: %d replies resent, %d stored updates handled", resent, handled)
    return resent, handled


async def resend(
    engine: Engine, send: Any, before: dtm.datetime, skip: Collection[int] = ()
) -> int:
    """Send the queued replies older than ``before`` again; each leaves the queue once sent.
    Those in ``skip`` (looked at as each comes up) are being sent by their turn right now."""
    count = 0
    async with engine.db.transaction() as tx:
        pending = await tx.reply_queue.pending(before)
    for queue_id, chat_id, payload in pending:
        if queue_id in skip:
            continue
        reply = Reply.from_json(payload, queue_id)
        if await send(reply, chat_id) is not None:
            await engine.delivered(reply)
            count += 1
    return count
