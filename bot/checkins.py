"""Follow-up check-ins: planned as rows, sent once, never at night, never into a running flow.

After a report (to who agreed to contact through the chat) the bot asks "Hoe gaat het nu?";
after closing, "Is uw melding goed opgepakt?". Each planned check-in is a row in ``checkins``
(gepland → verstuurd → beantwoord, or overgeslagen with the reason). The JobQueue only wakes the
bot up; each due row is marked ``verstuurd`` in the same short transaction that starts its flow
and puts its message in the reply queue, and is sent after that commits: a crash between commit
and send leaves the message queued, sent at the next start (see storage/_inbox.py). Quiet hours
hold a due check-in until they end; a person in the middle of a flow gets it when that flow has
ended or expired. Asked to stop, a pass ends between two sends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time

from babel.dates import format_date

from bot.config import Config
from bot.engine import Action, ActionContext, Engine, Reply, Service, StartFlow
from bot.i18n import N_, translate
from storage import StoredSignal, Tx, to_db_time

BATCH = 500  # due check-ins read at a time

FLOWS = {"na_melding": "checkin_melding", "na_afronding": "checkin_afronding"}
ATTENTION = {"slechter": "slechter", "nee": "heropen-verzoek"}


def in_quiet_hours(quiet: tuple[time, time] | None, local: time) -> bool:
    """Whether ``local`` falls in quiet hours that may run across midnight."""
    if quiet is None:
        return False
    start, end = quiet
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def wants_chat_contact(contact_method: str | None, reporter_id: int | None) -> bool:
    """Check-ins go only to who agreed to contact through the chat, and is still linked."""
    return contact_method == "chat" and reporter_id is not None


async def plan(tx: Tx, signal_id: int, kind: str, due: datetime) -> None:
    """Plan a check-in (the caller checked :func:`wants_chat_contact`)."""
    await tx.write(
        "INSERT INTO checkins (signal_id, kind, due_at) VALUES (?, ?, ?)",
        (signal_id, kind, to_db_time(due)),
    )


async def hold_back(tx: Tx, chat_id: int, text: str, now: datetime) -> None:
    """Keep a message to a resident until quiet hours end (sent by :meth:`Checkins.send_due`)."""
    await tx.write(
        "INSERT INTO outbox (chat_id, text, created_at) VALUES (?, ?, ?)",
        (chat_id, tx.cipher.encrypt(text), to_db_time(now)),
    )


class Checkins:
    def __init__(self, config: Config) -> None:
        self.config = config

    def service(self) -> Service:
        return Service(commands={"stopvragen": self.stop_command})

    def actions(self) -> dict[str, Action]:
        return {
            "record_checkin": self.record,
            "save_checkin_remark": self.save_remark,
            "stop_questions": self.stop_questions,
        }

    ACTION_NAMES = ("record_checkin", "save_checkin_remark", "stop_questions")

    # -- sending ---------------------------------------------------------------------------

    async def send_due(self, engine: Engine, send: Callable[[Reply], Awaitable[bool]]) -> int:
        """Send every due check-in, one short transaction each, then the message; the number
        sent. Due check-ins are read in batches, so a resident's turn never waits long.

        ``send`` delivers one reply and returns ``False`` when Telegram said the person blocked
        the bot: then the person is marked unreachable and the check-in skipped. Asked to stop
        (``engine.stopping``), the pass ends between two sends.
        """
        now = engine.clock.now()
        local = now.astimezone(self.config.timezone).time()
        if in_quiet_hours(self.config.quiet_hours, local):
            return 0
        await self.flush_outbox(engine, send, now)
        sent = 0
        after = ("", 0)
        while not engine.stopping:
            async with engine.db.transaction() as tx:
                due = await tx.read(
                    "SELECT due_at, id FROM checkins WHERE state = 'gepland' AND due_at <= ?"
                    " AND (due_at, id) > (?, ?) ORDER BY due_at, id LIMIT ?",
                    (to_db_time(now), *after, BATCH),
                )
            if not due:
                break
            after = (due[-1][0], due[-1][1])
            for _due_at, checkin_id in due:
                if engine.stopping:
                    break
                async with engine.db.transaction() as tx:
                    outgoing = await self.start_one(engine, tx, checkin_id, now)
                if outgoing is None:
                    continue
                checkin_sent = await self.deliver(engine, send, outgoing)
                if checkin_sent:
                    sent += 1
                else:
                    async with engine.db.transaction() as tx:
                        await self.unreachable(tx, checkin_id, outgoing[0].chat_id or 0, now)
        return sent

    async def deliver(
        self, engine: Engine, send: Callable[[Reply], Awaitable[bool]], replies: list[Reply]
    ) -> bool:
        """Send one check-in's (or held message's) replies; ``False`` when the chat blocked the
        bot. Each reply leaves the reply queue once Telegram took it (or never will)."""
        delivered = True
        for reply in replies:
            if delivered:
                delivered = await send(reply)
            await engine.delivered(reply)
        return delivered

    async def flush_outbox(
        self, engine: Engine, send: Callable[[Reply], Awaitable[bool]], now: datetime
    ) -> None:
        """Messages held back by quiet hours: each leaves the outbox for the reply queue in one
        short transaction, then goes out."""
        while not engine.stopping:
            async with engine.db.transaction() as tx:
                rows = await tx.read(
                    "SELECT id, chat_id, text FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1"
                )
                if not rows:
                    return
                message_id, chat_id, token = rows[0]
                await tx.write("DELETE FROM outbox WHERE id = ?", (message_id,))
                reply = Reply(tx.cipher.decrypt(token) or "", chat_id=chat_id)
                replies = await engine.queue(tx, [reply])
            await self.deliver(engine, send, replies)

    async def skip(self, tx: Tx, checkin_id: int, reason: str) -> None:
        await tx.write(
            "UPDATE checkins SET state = 'overgeslagen', reason = ? WHERE id = ?",
            (reason, checkin_id),
        )

    async def start_one(
        self, engine: Engine, tx: Tx, checkin_id: int, now: datetime
    ) -> list[Reply] | None:
        rows = await tx.read(
            "SELECT c.kind, c.signal_id, c.state, p.telegram_id, p.no_questions, p.unreachable_at"
            " FROM checkins c LEFT JOIN signals s ON s.id = c.signal_id"
            " LEFT JOIN people p ON p.id = s.reporter_id WHERE c.id = ?",
            (checkin_id,),
        )
        if not rows or rows[0][2] != "gepland":
            return None
        kind, signal_id, _state, telegram_id, no_questions, unreachable_at = rows[0]
        signal = await tx.signals.by_id(signal_id) if signal_id is not None else None
        if signal is None:
            await self.skip(tx, checkin_id, "signaal verwijderd")
            return None
        if telegram_id is None:
            await self.skip(tx, checkin_id, "geanonimiseerd")
            return None
        if signal.contact_method != "chat":
            await self.skip(tx, checkin_id, "geen toestemming voor contact")
            return None
        if no_questions:
            await self.skip(tx, checkin_id, "wil geen vragen meer")
            return None
        if unreachable_at is not None:
            await self.skip(tx, checkin_id, "onbereikbaar")
            return None
        lang = signal.language
        values = {
            "checkin_id": checkin_id,
            "ref": signal.ref,
            "date": format_date(
                signal.created_at.astimezone(self.config.timezone), "EEEE d MMMM", locale=lang
            ),
            "category": translate(f"category.{signal.category}", lang).lower(),
        }
        if await engine.chat_busy(tx, telegram_id, now):
            return None  # in the middle of another flow: try again at the next wake-up
        await tx.write(
            "UPDATE checkins SET state = 'verstuurd', sent_at = ? WHERE id = ?",
            (to_db_time(now), checkin_id),
        )
        replies = await engine.start_flow_for(tx, telegram_id, FLOWS[kind], values, now)
        assert replies is not None
        return replies

    async def unreachable(self, tx: Tx, checkin_id: int, chat_id: int, now: datetime) -> None:
        await self.skip(tx, checkin_id, "geblokkeerd")
        await tx.write(
            "UPDATE people SET unreachable_at = ? WHERE telegram_id = ?", (to_db_time(now), chat_id)
        )

    # -- answers ---------------------------------------------------------------------------

    async def signal_of(self, ctx: ActionContext) -> StoredSignal | None:
        return await ctx.tx.signals.by_ref(ctx.vars["ref"])

    async def record(self, ctx: ActionContext) -> str | None:
        """The answer becomes a signal event; "slechter" and "nee" ask for the team's eye."""
        await ctx.tx.write(
            "UPDATE checkins SET state = 'beantwoord' WHERE id = ?", (ctx.vars["checkin_id"],)
        )
        signal = await self.signal_of(ctx)
        if signal is None:
            return None
        answer = ctx.answers.get("how") or ctx.answers.get("ok") or ""
        await ctx.tx.signals.add_event(
            signal.id, ctx.now, "melder", f"checkin:{answer}", None, None, ctx.answers.get("wrong")
        )
        if answer in ATTENTION:
            await ctx.tx.write(
                "UPDATE signals SET attention = ? WHERE id = ?", (ATTENTION[answer], signal.id)
            )
        return None

    async def save_remark(self, ctx: ActionContext) -> str | None:
        remark = ctx.answers.get("remark")
        signal = await self.signal_of(ctx)
        if signal is not None and remark and remark != "geen":
            await ctx.tx.signals.add_event(
                signal.id, ctx.now, "melder", "checkin:opmerking", None, None, remark
            )
        return None

    async def stop_questions(self, ctx: ActionContext) -> str | None:
        await ctx.tx.write(
            "UPDATE checkins SET state = 'beantwoord' WHERE id = ?", (ctx.vars["checkin_id"],)
        )
        await self.no_more_questions(ctx.tx, ctx.event.user_id)
        return None

    async def no_more_questions(self, tx: Tx, telegram_id: int) -> None:
        await tx.write("UPDATE people SET no_questions = 1 WHERE telegram_id = ?", (telegram_id,))
        await tx.write(
            "UPDATE checkins SET state = 'overgeslagen', reason = 'wil geen vragen meer'"
            " WHERE state = 'gepland' AND signal_id IN (SELECT s.id FROM signals s JOIN people p"
            " ON p.id = s.reporter_id WHERE p.telegram_id = ?)",
            (telegram_id,),
        )

    async def stop_command(self, ctx: ActionContext, _argument: str) -> StartFlow | None:
        await self.no_more_questions(ctx.tx, ctx.event.user_id)
        ctx.say(N_("checkin.stopped"))
        return None
