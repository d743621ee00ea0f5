"""The resident's rights, at once, from the chat and (for a request by letter) the command line.

``/mijngegevens`` shows what the bot holds about the person and sends it as a JSON file;
``/intrekken`` withdraws a consent (contact stops at once); ``/verwijderen`` removes, after a
confirmation, what :func:`forget` lists: contact details, the chat link, the reporter's replies
to the team, their consents to contact and to a volunteer, their answers to the offer and the
conversation state. Signals already with a team stay, without any link to the person, as they
may be needed for care. Each withdrawal and removal is a signal event, so the team sees it in
its next digest.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from babel.dates import format_date

from bot.engine import ActionContext, Button, Reply, Service, StartFlow
from bot.i18n import N_, _, label
from storage import OFFER_AFTER_REPORT, REPORTER_ACTOR, Tx, to_db_time

WITHDRAWABLE = ("contact", "vrijwilliger")
REMOVED = "melder-verwijderd"  # the event kind of a reporter's removal
_LABELS = {
    "melden": N_("rights.purpose.melden"),
    "contact": N_("rights.purpose.contact"),
    "vrijwilliger": N_("rights.purpose.vrijwilliger"),
    "anoniem": N_("rights.purpose.anoniem"),
}


def purpose_label(purpose: str) -> str:
    """A consent purpose in words."""
    key = _LABELS[purpose]
    return _(key)


async def person_data(tx: Tx, telegram_id: int) -> dict[str, Any] | None:
    """Everything the bot holds about this person, as a plain document; None if nothing."""
    person = await tx.people.get(telegram_id)
    state = await tx.read(
        "SELECT flow, updated_at FROM conversations WHERE chat_id = ?", (telegram_id,)
    )
    if person is None and not state:
        return None
    signals = await tx.signals.of_reporter(person.id) if person else []
    messages = {
        s.id: [
            {
                "at": e.at.isoformat(),
                "from": "team" if e.kind.startswith("bericht-team") else "melder",
                "text": e.note,
            }
            for e in await tx.signals.events(s.id)
            if e.kind.startswith("bericht-")
        ]
        for s in signals
    }
    offers = {
        s.id: [
            {"activity": o.name, "wanted": o.wanted}
            for o in await tx.offers.of_signal(s.id)
            if o.kind == OFFER_AFTER_REPORT
        ]
        for s in signals
    }
    withdrawn = {}
    if person:
        for purpose, signal_id, at in await tx.read(
            "SELECT purpose, signal_id, withdrawn_at FROM consents"
            " WHERE person_id = ? AND withdrawn_at IS NOT NULL",
            (person.id,),
        ):
            withdrawn[(signal_id, purpose)] = at
    return {
        "telegram_id": telegram_id,
        "role": person.role if person else "bewoner",
        "language": person.language if person else None,
        "unfinished_report": bool(state and state[0][0]),
        "signals": [
            {
                "ref": s.ref,
                "created_at": s.created_at.isoformat(),
                "category": s.category,
                "team": s.team,
                "status": s.status,
                "description": s.description,
                "postcode": s.postcode or s.postcode4,
                "contact_method": s.contact_method,
                "contact_phone": s.contact_phone,
                "consents": [
                    {
                        "purpose": c.purpose,
                        "version": c.text_version,
                        "given": c.given,
                        "answered_at": c.answered_at.isoformat(),
                    }
                    for c in s.consents
                ],
                "withdrawn": [p for (sid, p) in withdrawn if sid == s.id],
                "messages": messages[s.id],
                "offered": offers[s.id],
            }
            for s in signals
        ],
    }


async def withdraw(tx: Tx, telegram_id: int, purpose: str, now: datetime) -> int:
    """Withdraw ``purpose`` on every signal of the person; the number of signals touched."""
    person = await tx.people.get(telegram_id)
    if person is None:
        return 0
    rows = await tx.read(
        "SELECT signal_id FROM consents WHERE person_id = ? AND purpose = ? AND given = 1"
        " AND withdrawn_at IS NULL",
        (person.id, purpose),
    )
    for (signal_id,) in rows:
        await tx.write(
            "UPDATE consents SET withdrawn_at = ? WHERE person_id = ? AND purpose = ?"
            " AND signal_id = ?",
            (to_db_time(now), person.id, purpose, signal_id),
        )
        if purpose == "contact":
            await tx.write(
                "UPDATE signals SET contact_method = NULL, contact_phone = NULL WHERE id = ?",
                (signal_id,),
            )
        await tx.signals.add_event(
            signal_id, now, REPORTER_ACTOR, f"ingetrokken:{purpose}", None, None
        )
    return len(rows)


async def forget(tx: Tx, telegram_id: int, now: datetime) -> int:
    """Remove the person, in any role (``/verwijderen`` and ``person forget`` alike).

    What goes: their contact details (phone, contact method) and chat link on every signal
    they reported; what they wrote to the team afterwards (answers to the team's messages,
    check-in remarks: the text goes, the history says it was removed); their consents to
    contact and to a volunteer (withdrawn, so the team no longer sees them as given); their
    answers to the offer after a report; messages waiting for them; their unfinished report
    (the conversation state); their roles. What stays, without any link to them: the signals
    themselves (the description, the category, the area), with the consent to report that
    they were made with, as the team may need them for care. The schema's rules keep invites,
    view logs and claimed signals without the person (migration 0008). The number of signals
    touched."""
    person = await tx.people.get(telegram_id)
    count = 0
    await tx.write("DELETE FROM outbox WHERE chat_id = ? AND sent_at IS NULL", (telegram_id,))
    await tx.reply_queue.forget_chat(telegram_id)
    await tx.conversations.delete(telegram_id)
    if person is not None:
        for signal in await tx.signals.of_reporter(person.id):
            await tx.write(
                "UPDATE signals SET contact_method = NULL, contact_phone = NULL,"
                " reporter_id = NULL WHERE id = ?",
                (signal.id,),
            )
            await tx.signals.withdraw_for_removal(signal.id, WITHDRAWABLE, now)
            await tx.signals.remove_reporter_words(signal.id, now)
            await tx.signals.add_event(signal.id, now, REPORTER_ACTOR, REMOVED, None, None)
            await tx.offers.forget_answers(signal.id)
            count += 1
        await tx.write("UPDATE consents SET person_id = NULL WHERE person_id = ?", (person.id,))
        await tx.write("DELETE FROM people WHERE id = ?", (person.id,))
    return count


class Rights:
    def service(self) -> Service:
        return Service(
            commands={
                "mijngegevens": self.show,
                "intrekken": self.ask_withdraw,
                "verwijderen": self.ask_forget,
            },
            buttons={"i": self.do_withdraw, "d": self.do_forget},
        )

    async def show(self, ctx: ActionContext, _argument: str) -> StartFlow | None:
        data = await person_data(ctx.tx, ctx.event.user_id)
        if data is None or (not data["signals"] and not data["unfinished_report"]):
            ctx.say(N_("rights.nothing"))
            return None
        lines = [_(N_("rights.summary.head"))]
        for s in data["signals"]:
            given = [purpose_label(c["purpose"]) for c in s["consents"] if c["given"]] or ["-"]
            lines.append(
                _(
                    N_("rights.summary.signal"),
                    ref=s["ref"],
                    date=format_date(
                        datetime.fromisoformat(s["created_at"]), "d MMMM y", locale=ctx.language
                    ),
                    category=label("category", s["category"]),
                    status=label("status", s["status"]),
                    consents=", ".join(given),
                )
            )
        if data["unfinished_report"]:
            lines.append(_(N_("rights.summary.unfinished")))
        lines.append(_(N_("rights.summary.foot")))
        document = json.dumps(data, ensure_ascii=False, indent=2).encode()
        ctx.replies.append(Reply("\n\n".join(lines), document=("mijngegevens.json", document)))
        return None

    async def ask_withdraw(self, ctx: ActionContext, _argument: str) -> StartFlow | None:
        person = await ctx.tx.people.get(ctx.event.user_id)
        purposes: list[str] = []
        if person is not None:
            rows = await ctx.tx.read(
                "SELECT DISTINCT purpose FROM consents WHERE person_id = ? AND given = 1"
                " AND withdrawn_at IS NULL",
                (person.id,),
            )
            purposes = [p for (p,) in rows if p in WITHDRAWABLE]
        if not purposes:
            ctx.say(N_("rights.withdraw.nothing"))
            return None
        buttons = tuple(Button(purpose_label(p), f"i:{p}") for p in purposes)
        ctx.replies.append(Reply(_(N_("rights.withdraw.which")), buttons))
        return None

    async def do_withdraw(self, ctx: ActionContext, purpose: str) -> StartFlow | None:
        if purpose not in WITHDRAWABLE:
            return None
        count = await withdraw(ctx.tx, ctx.event.user_id, purpose, ctx.now)
        if count:
            ctx.say(f"rights.withdraw.done.{purpose}")
        else:
            ctx.say(N_("rights.withdraw.nothing"))
        return None

    async def ask_forget(self, ctx: ActionContext, _argument: str) -> StartFlow | None:
        member = await ctx.tx.members.get(ctx.event.user_id)
        if member is not None:
            ctx.say(N_("rights.forget.member"))
            return None
        buttons = (
            Button(_(N_("rights.forget.yes")), "d:ja"),
            Button(_(N_("rights.forget.no")), "d:nee"),
        )
        ctx.replies.append(Reply(_(N_("rights.forget.explain")), buttons))
        return None

    async def do_forget(self, ctx: ActionContext, answer: str) -> StartFlow | None:
        if answer != "ja":
            ctx.say(N_("rights.forget.kept"))
            return None
        if await ctx.tx.members.get(ctx.event.user_id) is not None:
            ctx.say(N_("rights.forget.member"))
            return None
        await forget(ctx.tx, ctx.event.user_id, ctx.now)
        ctx.forget_chat = True
        ctx.say(N_("rights.forget.done"))
        return None


_DYNAMIC = (
    N_("rights.withdraw.done.contact"),
    N_("rights.withdraw.done.vrijwilliger"),
)
