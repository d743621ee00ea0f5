"""Messages between the team and a reporter, through the bot.

Only for a reporter who agreed to contact through the chat and is still linked to the signal.
The team member who picked the signal up (or the coordinator) presses "Bericht aan melder",
types the message, sees it back and sends it. The reporter gets it framed as coming from the
team, never from a person's account or name, with an "Antwoorden" button (and ``/antwoord REF``
for a message held back during quiet hours, which carries no button). The answer goes to the team
member who wrote last. Every message both ways is a signal event, its text encrypted at rest; it
shows in ``/signaal`` for the team and in ``/mijngegevens`` for the reporter, and is deleted
with the signal by retention.
"""

from __future__ import annotations

import re

from bot.checkins import hold_back, in_quiet_hours, wants_chat_contact
from bot.config import Config
from bot.engine import Action, ActionContext, Button, Reply, Service, StartFlow
from bot.i18n import N_, _, translate
from bot.team import TeamDesk
from storage import StoredSignal

TEAM_MESSAGE = "bericht-team"  # kind "bericht-team:<person id of the writer>"
REPORTER_MESSAGE = "bericht-melder"
MAX_LENGTH = 1000


class Relay:
    ACTION_NAMES = ("relay_send", "relay_reply")

    def __init__(self, config: Config) -> None:
        self.config = config
        self.desk = TeamDesk(config)

    def service(self) -> Service:
        return Service(
            commands={"antwoord": self.start_reply},
            buttons={"m": self.start_message, "ra": self.start_reply},
        )

    def actions(self) -> dict[str, Action]:
        return {"relay_send": self.send, "relay_reply": self.reply}

    # -- the team writes ---------------------------------------------------------------------

    async def writable(self, ctx: ActionContext, ref: str) -> StoredSignal | None:
        """The signal when this member may write to its reporter now; else says why, once."""
        found = await self.desk.signal_for(ctx, ref)
        if found is None:
            return None
        member, signal = found
        if member.role != "coordinator" and signal.claimed_by != member.person_id:
            ctx.say(N_("relay.not_yours"), ref=signal.ref)
            return None
        if not wants_chat_contact(signal.contact_method, signal.reporter_id):
            ctx.say(N_("relay.no_contact"), ref=signal.ref)
            return None
        return signal

    async def start_message(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        signal = await self.writable(ctx, ref)
        if signal is None:
            return None
        return StartFlow("bericht", {"ref": signal.ref})

    async def send(self, ctx: ActionContext) -> str | None:
        """Flow action: checked again (the reporter may have withdrawn meanwhile), then sent."""
        signal = await self.writable(ctx, ctx.vars["ref"])
        if signal is None:
            return "gone"
        member = await ctx.tx.members.get(ctx.event.user_id)
        reporter = await ctx.tx.people.by_id(signal.reporter_id or 0)
        if member is None or reporter is None:
            ctx.say(N_("relay.no_contact"), ref=signal.ref)
            return "gone"
        text = ctx.answers["message"]
        await ctx.tx.signals.add_event(
            signal.id, ctx.now, member.name, f"{TEAM_MESSAGE}:{member.person_id}", None, None, text
        )
        lang = signal.language
        framed = translate(
            N_("relay.to_reporter"),
            lang,
            team=self.config.team_name(signal.team),
            ref=signal.ref,
            text=text,
        )
        local = ctx.now.astimezone(self.config.timezone).time()
        if in_quiet_hours(self.config.quiet_hours, local):
            await hold_back(ctx.tx, reporter.telegram_id, framed, ctx.now)
            ctx.vars["when"] = _(N_("relay.sent_later"))
        else:
            button = Button(translate(N_("relay.button.answer"), lang), f"ra:{signal.ref}")
            blocked = _(N_("relay.blocked"), ref=signal.ref)
            ctx.replies.append(
                Reply(framed, (button,), chat_id=reporter.telegram_id, if_blocked=blocked)
            )
            ctx.vars["when"] = ""
        return None

    # -- the reporter answers ----------------------------------------------------------------

    async def answerable(self, ctx: ActionContext, ref: str) -> StoredSignal | None:
        """The signal when the person pressing is its reporter and contact still stands."""
        person = await ctx.tx.people.get(ctx.event.user_id)
        signal = await ctx.tx.signals.by_ref(ref.strip().upper()[:40])
        if (
            person is None
            or signal is None
            or signal.reporter_id != person.id
            or not wants_chat_contact(signal.contact_method, signal.reporter_id)
        ):
            ctx.say(N_("relay.cannot_answer"))
            return None
        return signal

    async def start_reply(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        signal = await self.answerable(ctx, ref)
        if signal is None:
            return None
        return StartFlow("antwoord", {"ref": signal.ref})

    async def reply(self, ctx: ActionContext) -> str | None:
        """Flow action: the answer goes to the team member who wrote last (or the team)."""
        signal = await self.answerable(ctx, ctx.vars["ref"])
        if signal is None:
            return "gone"
        text = ctx.answers["answer"]
        await ctx.tx.signals.add_event(
            signal.id, ctx.now, "melder", REPORTER_MESSAGE, None, None, text
        )
        writers = [
            e.kind.partition(":")[2]
            for e in await ctx.tx.signals.events(signal.id)
            if e.kind.startswith(f"{TEAM_MESSAGE}:")
        ]
        recipients = await self.recipients(ctx, signal, writers[-1] if writers else "")
        for chat_id, lang in recipients:
            ctx.replies.append(
                Reply(
                    translate(N_("relay.to_team"), lang, ref=signal.ref, text=text),
                    (
                        Button(
                            translate(N_("team.button.view"), lang, ref=signal.ref),
                            f"v:{signal.ref}",
                        ),
                    ),
                    chat_id=chat_id,
                )
            )
        return None

    async def recipients(
        self, ctx: ActionContext, signal: StoredSignal, writer: str
    ) -> list[tuple[int, str]]:
        """The writer of the last team message while still a member; else the signal's team."""
        if re.fullmatch(r"[0-9]{1,18}", writer):
            rows = await ctx.tx.read(
                "SELECT telegram_id, language FROM people WHERE id = ? AND revoked_at IS NULL",
                (int(writer),),
            )
            if rows:
                return [(int(rows[0][0]), str(rows[0][1] or "nl"))]
        return [
            (m.telegram_id, m.language or "nl") for m in await ctx.tx.members.of_team(signal.team)
        ]
