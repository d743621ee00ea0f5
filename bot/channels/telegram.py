"""The Telegram adapter: python-telegram-bot updates in, engine replies out.

With its siblings ``telegram_*.py`` this is the only code that imports ``telegram``. It turns each
update into an engine :class:`~bot.engine.Event`, sends the replies with inline keyboards, and
lets the JobQueue wake the engine up to wipe conversations that went silent. Different chats are
handled at once, each chat's updates in order (:mod:`bot.channels.telegram_order`).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import time as dtime
from datetime import timedelta, tzinfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    ExtBot,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.channels.telegram_inbox import InboxBot, recover, resend
from bot.channels.telegram_order import ChatOrder
from bot.checkins import Checkins
from bot.digests import Digests
from bot.engine import Engine, Event, EventKind, Reply, fit, units
from bot.errors import WijksignaalError
from bot.i18n import N_, _
from bot.retention import purge_by_config

log = logging.getLogger(__name__)
ENGINE_KEY = "engine"
DIGESTS_KEY = "digests"
CHECKINS_KEY = "checkins"
SENDING_KEY = "sending"  # queue ids of replies a turn is sending now: the resend job leaves them
# Updates in the handlers at once. At most the language cache's size (256): a text's vector,
# made before its turn waits for the database, is then still there when the turn reads it
# (every other update in the handlers adds at most one vector in between).
CONCURRENT_UPDATES = 256
EXPIRY_SWEEP = timedelta(minutes=10)
DIGEST_WAKE = timedelta(minutes=1)
RESEND_AFTER = timedelta(minutes=1)
CAPTION = 1024  # UTF-16 units Telegram allows under a picture

AppType = Application[
    ExtBot[None], CallbackContext[ExtBot[None], dict, dict, dict], dict, dict, dict, None  # type: ignore[type-arg]
]


def event_from_update(update: Update) -> Event | None:
    """The engine event of an update, or ``None`` for updates the bot does not answer."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return None
    user = update.effective_user
    user_id = user.id if user else chat.id
    name = user.first_name if user else None
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        return Event(chat.id, user_id, EventKind.BUTTON, data, update.update_id, name)
    if update.edited_message is not None:
        return Event(chat.id, user_id, EventKind.EDITED, "", update.update_id, name)
    message = update.message
    if message is None or filters.StatusUpdate.ALL.check_update(update):
        return None  # a service message (pinned, auto-delete timer, write access): no answer
    if message.text is None:
        return Event(chat.id, user_id, EventKind.UNSUPPORTED, "", update.update_id, name)
    entities = message.entities or ()
    if any(e.type == MessageEntityType.BOT_COMMAND and e.offset == 0 for e in entities):
        return Event(chat.id, user_id, EventKind.COMMAND, message.text, update.update_id, name)
    return Event(chat.id, user_id, EventKind.TEXT, message.text, update.update_id, name)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data)] for b in reply.buttons]
    )


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.callback_query is not None:
        # Every press is answered, also from a group or an inline message, or the spinner
        # turns forever; a press too old to answer is no reason to stop.
        try:
            await update.callback_query.answer()
        except TelegramError as exc:
            log.info("callback of update %d not answered: %s", update.update_id, exc)
    engine: Engine = context.application.bot_data[ENGINE_KEY]
    event = event_from_update(update)
    if event is None:
        await engine.passed_over(update.update_id)
        return
    undelivered: list[str] = []
    replies = await engine.handle(event)
    # Marked before anything else can run: the resend job never sends a reply its turn is still
    # sending (under load, the sends of a turn may wait longer than the job's minute).
    sending: set[int] = context.application.bot_data.setdefault(SENDING_KEY, set())
    queued = {r.queue_id for r in replies if r.queue_id is not None}
    sending |= queued
    try:
        for reply in replies:
            delivered = await send(context.bot, reply, event.chat_id)
            await engine.delivered(reply)
            if not delivered and reply.if_blocked and reply.chat_id != event.chat_id:
                undelivered.append(reply.if_blocked)
    finally:
        sending -= queued
    for notice in undelivered:  # after the turn's own answer, so the last word is true
        await send(context.bot, Reply(notice), event.chat_id)


async def send(bot: Bot, reply: Reply, default_chat: int) -> bool:
    """Send one reply; a chat that blocked the bot is logged, not retried (``False``)."""
    chat_id = reply.chat_id if reply.chat_id is not None else default_chat
    # A picture with a short text and no buttons: the text is its caption, one message.
    as_caption = reply.photo is not None and not reply.buttons and units(reply.text) <= CAPTION
    try:
        # A digest or a check-in may be long too: every part within Telegram's limit.
        for part in [] if as_caption else fit([reply]):
            await bot.send_message(chat_id, part.text, reply_markup=keyboard(part))
        if reply.document is not None:
            name, content = reply.document
            await bot.send_document(chat_id, InputFile(content, filename=name))
        if reply.photo is not None:
            await bot.send_photo(
                chat_id,
                InputFile(reply.photo, filename="grafiek.png"),
                caption=(reply.text or None) if as_caption else None,
            )
    except Forbidden:
        log.warning("chat %s blocked the bot; message not delivered", chat_id)
        return False
    return True


def _deliverer(context: ContextTypes.DEFAULT_TYPE) -> Callable[[Reply], Awaitable[bool]]:
    """Send one reply of a pass (check-ins, held messages, digests); while it goes, the resend
    job leaves its queued copy alone, as for a turn's replies."""
    sending: set[int] = context.application.bot_data.setdefault(SENDING_KEY, set())

    async def deliver(reply: Reply) -> bool:
        if reply.queue_id is not None:
            sending.add(reply.queue_id)
        try:
            return await send(context.bot, reply, 0)
        finally:
            sending.discard(reply.queue_id or 0)

    return deliver


async def _checkins(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Wake-up: send the check-ins that are due (the table decides what and whether)."""
    engine: Engine = context.application.bot_data[ENGINE_KEY]
    checkins: Checkins = context.application.bot_data[CHECKINS_KEY]
    await checkins.send_due(engine, _deliverer(context))


async def _digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Wake-up: send every digest that is due and not yet recorded (the table decides)."""
    engine: Engine = context.application.bot_data[ENGINE_KEY]
    digests: Digests = context.application.bot_data[DIGESTS_KEY]
    await digests.deliver_due(engine, _deliverer(context))


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    log.error("update failed", exc_info=context.error)
    engine: Engine | None = context.application.bot_data.get(ENGINE_KEY)
    if isinstance(update, Update) and engine is not None:
        # Told to the chat below; never handled again at a restart.
        await engine.set_aside(update.update_id, type(context.error).__name__)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, _(N_("engine.error")))
        except Exception:
            log.exception("could not tell the chat about the error")


def sender(bot: Bot) -> Callable[[Reply, int], Awaitable[bool | None]]:
    """Send one queued reply: delivered or blocked (``True``/``False``), or ``None`` when it
    could not go now and stays queued."""

    async def send_queued(reply: Reply, chat_id: int) -> bool | None:
        try:
            return await send(bot, reply, chat_id)
        except TelegramError as exc:
            log.warning("a queued reply stays queued: %s", type(exc).__name__)
            return None

    return send_queued


async def _resend(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Wake-up: replies queued for longer than a minute (a network error) go again."""
    engine: Engine = context.application.bot_data[ENGINE_KEY]
    sending: set[int] = context.application.bot_data.setdefault(SENDING_KEY, set())
    count = await resend(
        engine, sender(context.bot), engine.clock.now() - RESEND_AFTER, skip=sending
    )
    if count:
        log.info("resent %d queued replies", count)


async def recover_at_start(app: AppType) -> tuple[int, int]:
    """Before polling: queued replies again, then the stored updates never handled."""
    return await recover(app, sender(app.bot))


async def _expire(context: ContextTypes.DEFAULT_TYPE) -> None:
    engine: Engine = context.application.bot_data[ENGINE_KEY]
    count = await engine.expire_stale()
    if count:
        log.info("wiped %d silent conversations", count)


def attach_services(app: AppType, engine: Engine) -> None:
    """The engine with everything ``wijksignaal run`` gives it: the digests, the nightly
    retention (ending between two batches when the bot is asked to stop) and the check-ins."""
    config = engine.config

    async def nightly() -> None:
        result = await purge_by_config(
            engine.db, config, engine.clock.now(), stopping=lambda: engine.stopping
        )
        log.info("retention: %s", result)

    attach_engine(
        app,
        engine,
        Digests(config),
        nightly=(nightly, config.timezone),
        checkins=Checkins(config),
    )


def stop_cleanly(app: AppType, engine: Engine) -> None:
    """On SIGTERM or SIGINT: mark the engine as stopping (a check-in or digest pass ends
    between two sends, retention between two batches), then stop the Application as
    python-telegram-bot would. Call from ``post_init``, when the loop runs."""

    def stop() -> None:
        log.info("asked to stop")
        engine.stopping = True
        app.stop_running()

    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop)


RETRY_FIRST = 1.0
RETRY_MAX = 30.0


async def wait_for_telegram(
    token: str,
    base_url: str | None = None,
    *,
    attempts: int | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> str:
    """Ask Telegram who the bot is, before polling starts: the bot's username.

    A rejected token is a :class:`WijksignaalError` whose line never shows the token. When
    Telegram cannot be reached the question is asked again with a growing pause (1 s, 2 s,
    4 s ... at most 30 s), each time logged in one line; ``attempts`` limits the tries.
    """
    delay = RETRY_FIRST
    tried = 0
    while True:
        bot = Bot(token, base_url=base_url) if base_url else Bot(token)
        try:
            async with bot:
                return bot.username
        except InvalidToken:
            raise WijksignaalError(_(N_("cli.token_rejected"))) from None
        except NetworkError as exc:
            tried += 1
            reason = type(exc).__name__
            if attempts is not None and tried >= attempts:
                raise WijksignaalError(_(N_("cli.telegram_unreachable"), reason=reason)) from None
            log.warning(_(N_("cli.telegram_retry"), reason=reason, seconds=round(delay)))
            await sleep(delay)
            delay = min(RETRY_MAX, delay * 2)


def _rate_limiter() -> AIORateLimiter:
    """Telegram's 30 messages a second as one every 1/30 s: the default (30 at once, then
    wait a second) sends bursts that Telegram answers with 429, which cost a pause each."""
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / 30, max_retries=5)


def build_application(
    token: str,
    *,
    base_url: str | None = None,
    request: BaseRequest | None = None,
    rate_limit: bool = False,
    concurrent: bool = True,
) -> AppType:
    """A python-telegram-bot Application with Wijksignaal's handlers.

    ``request`` replaces the HTTP layer (tests and the benchmark pass an offline one). Different
    chats are handled at once, each chat's updates in order; ``concurrent=False`` handles one
    update at a time, as before (the benchmark compares). Put the engine in with
    :func:`attach_engine` before updates flow.
    """
    # The bot is made here, not by the builder, because it is our InboxBot: a connection for
    # each update in the handlers and a few for the jobs. About 30 messages a second in all and
    # one a second per chat; a 429 is retried.
    bot = InboxBot(
        token,
        base_url=base_url or "https://api.telegram.org/bot",
        request=request or HTTPXRequest(connection_pool_size=CONCURRENT_UPDATES + 8),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=_rate_limiter() if rate_limit else None,  # type: ignore[arg-type]
    )
    builder: ApplicationBuilder = ApplicationBuilder().bot(bot)  # type: ignore[type-arg]
    builder.concurrent_updates(ChatOrder(CONCURRENT_UPDATES) if concurrent else False)
    app: AppType = builder.build()
    app.add_handler(TypeHandler(Update, _on_update))
    app.add_error_handler(_on_error)
    return app


def attach_engine(
    app: AppType,
    engine: Engine,
    digests: Digests | None = None,
    nightly: tuple[Callable[[], Awaitable[None]], tzinfo] | None = None,
    checkins: Checkins | None = None,
) -> None:
    """Give the handlers their engine; schedule the sweep of silent conversations and, with
    ``digests``, the wake-up that sends the daily digests (at once too, for missed ones); with
    ``nightly``, a job at 03:00 local time (retention)."""
    app.bot_data[ENGINE_KEY] = engine
    app.bot_data[SENDING_KEY] = set()
    if isinstance(app.bot, InboxBot):
        app.bot.keep_for(engine)
        engine.durable = True
    app.bot_data[DIGESTS_KEY] = digests
    app.bot_data[CHECKINS_KEY] = checkins
    if app.job_queue is not None and checkins is not None:
        app.job_queue.run_repeating(_checkins, interval=DIGEST_WAKE, first=3, name="checkins")
    if app.job_queue is not None and nightly is not None:
        job, zone = nightly

        async def run_nightly(context: ContextTypes.DEFAULT_TYPE) -> None:
            await job()

        app.job_queue.run_daily(run_nightly, time=dtime(3, 0, tzinfo=zone), name="nightly")
    if app.job_queue is not None:
        app.job_queue.run_repeating(_expire, interval=EXPIRY_SWEEP, first=1, name="expire")
        app.job_queue.run_repeating(_resend, interval=RESEND_AFTER, first=30, name="resend")
        if digests is not None:
            app.job_queue.run_repeating(_digest, interval=DIGEST_WAKE, first=2, name="digest")
