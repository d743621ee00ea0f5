"""Where python-telegram-bot's fetching meets its processing: the durable inbox.

The Updater asks ``bot.get_updates(offset)`` and puts what it gets on the update queue; it tells
Telegram that a batch arrived only by asking again with a higher offset. :class:`InboxBot`
therefore stores every update of a batch in the database (one short transaction) before
returning it, so nothing Telegram forgets is lost when the process dies with updates waiting in
memory. The turn that handles an update deletes it from the inbox in its own transaction (see
:meth:`bot.engine.Engine.handle`); at start-up :func:`recover` resends what was not delivered and
handles what was stored but never handled, oldest first.

An update that python-telegram-bot cannot parse (a newer Bot API field, a malformed value) no
longer fails the whole batch: it is logged once by its id alone, set aside as ``onleesbaar``,
and skipped; the next offset passes it, so Telegram forgets it and the rest is handled.
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
        """Store the batch, then parse each update on its own; set the unreadable aside."""
        engine = self._engine
        assert engine is not None
        items = [r for r in raw if isinstance(r, dict) and isinstance(r.get("update_id"), int)]
        if not items:
            return ()
        async with engine.db.transaction() as tx:
            await tx.inbox.store(
                [(r["update_id"], json.dumps(r, ensure_ascii=False)) for r in items],
                engine.clock.now(),
            )
        updates: list[Update] = []
        for item in items:
            update = await self.parse(item)
            if update is not None:
                updates.append(update)
        last = items[-1]["update_id"]
        if not updates or updates[-1].update_id < last:
            self._skip_to = last + 1
        return tuple(updates)

    async def parse(self, item: JSONDict) -> Update | None:
        engine = self._engine
        assert engine is not None
        try:
            update = Update.de_json(item, self)
            self.insert_callback_data(update)
        except Exception as exc:
            # Logged once, by id and error class: the content may hold personal data.
            update_id = int(item["update_id"])
            log.error("update %d cannot be read (%s); set aside", update_id, type(exc).__name__)
            async with engine.db.transaction() as tx:
                await tx.inbox.set_aside(update_id, "onleesbaar", type(exc).__name__)
            return None
        return update


async def recover(app: Application[Any, Any, Any, Any, Any, Any], send: Any) -> tuple[int, int]:
    """At start-up, before polling: resend queued replies, then handle stored updates in order.
    The numbers of replies resent and updates handled."""
    engine: Engine = app.bot_data["engine"]
    resent = await resend(engine, send, engine.clock.now() + dtm.timedelta(days=1))
    handled = 0
    while True:
        async with engine.db.transaction() as tx:
            pending = await tx.inbox.pending()
        if not pending:
            break
        for update_id, raw in pending:
            try:
                update = Update.de_json(json.loads(raw), app.bot)
            except Exception as exc:
                async with engine.db.transaction() as tx:
                    await tx.inbox.set_aside(update_id, "onleesbaar", type(exc).__name__)
                continue
            await app.process_update(update)
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
