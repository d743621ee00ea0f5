"""The flow runner: one event in, the replies out, one transaction per turn.

For every event the engine loads the chat's state, handles global commands first, then answers
the pending question (or explains why it cannot), runs steps until it must wait again, and saves
the state in the same transaction as whatever the turn's actions wrote.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.config import Config
from bot.engine._context import (
    Action,
    ActionContext,
    Handler,
    PrivateDesk,
    Service,
)
from bot.engine._flow import Flow, Option, Step
from bot.engine._help import help_text
from bot.engine._sizes import fit
from bot.engine._types import Button, Event, EventKind, Reply, normalise
from bot.engine._validators import MAX_MESSAGE_LENGTH, VALIDATORS, Invalid, max_length
from bot.errors import FlowError, StaleConversation
from bot.i18n import LANGUAGES, N_, _, current_language, use_language
from bot.language import Language
from bot.text import index_below
from storage import ConversationState, Database, QueuedIds, Tx

EXPIRED_NOTICE = N_("engine.expired")
LANGUAGE_LABELS = {"nl": N_("language.nl"), "en": N_("language.en")}
CRISIS_MESSAGES = {
    "acuut": N_("crisis.acuut"),
    "geweld": N_("crisis.geweld"),
    "zelfdoding": N_("crisis.zelfdoding"),
}
# The engine's own commands; /help and /language are the English names of /hulp and /taal.
BUILT_IN_COMMANDS = ("start", "stop", "hulp", "help", "privacy", "taal", "language")
COMMAND_ALIASES = {"help": "hulp", "language": "taal"}
_MAX_STEPS_PER_TURN = 200
EXPIRE_BATCH = 500
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


class Engine:
    """Runs the flows of ``conversations/`` for every chat, whatever the channel."""

    def __init__(
        self,
        db: Database,
        config: Config,
        clock: Clock,
        flows: Mapping[str, Flow],
        actions: Mapping[str, Action],
        main_flow: str = "melding",
        language: Language | None = None,
        services: Sequence[Service] = (),
    ) -> None:
        if main_flow not in flows:
            raise FlowError(f"the main flow '{main_flow}' is missing")
        self.db = db
        self.config = config
        self.clock = clock
        self.flows = flows
        self.actions = actions
        self.main_flow = main_flow
        self.language = language
        self.commands: dict[str, Handler] = {}
        self.buttons: dict[str, Handler] = {}
        self.start_payload: Handler | None = None
        self.start_buttons: list[tuple[str, str]] = []
        self.private: list[PrivateDesk] = []
        # Durable: every update handled is taken out of the inbox and every reply put in the
        # reply queue in the turn's transaction (the Telegram channel; see storage/_inbox.py).
        self.durable = False
        # Set when the process was asked to stop: long passes (check-ins, digests) end between
        # two sends; what they queued is sent at the next start.
        self.stopping = False
        for service in services:
            self.commands.update(service.commands)
            self.buttons.update(service.buttons)
            self.start_payload = service.start_payload or self.start_payload
            self.start_buttons.extend(service.start_buttons)
            if service.private is not None:
                self.private.append(service.private)
        self.start_step = _first_question(flows[main_flow])

    @property
    def command_names(self) -> tuple[str, ...]:
        """Every command this engine answers: its own and those of its services (a private
        desk's too)."""
        found = [*BUILT_IN_COMMANDS, *self.commands]
        found += [c for desk in self.private for c in desk.commands]
        return tuple(dict.fromkeys(found))

    async def handle(self, event: Event) -> list[Reply]:
        """Handle one event in one transaction; an update seen before gets no replies."""
        now = self.clock.now()
        if self.language is not None and event.kind is EventKind.TEXT:
            # Off the event loop and before the database is held: the crisis check and the
            # suggestion of this turn then find the text's vector ready.
            await self.language.prepare(event.text)
        try:
            return await self._turn(event, now, fresh=False)
        except StaleConversation:
            # Another process changed this chat's state since this one last saw it: the turn
            # was rolled back; run it again on what the database holds now.
            return await self._turn(event, now, fresh=True)

    async def _turn(self, event: Event, now: datetime, *, fresh: bool) -> list[Reply]:
        async with self.db.transaction() as tx:
            state = await tx.conversations.get(event.chat_id, fresh=fresh)
            if event.update_id is not None:
                if state.seen(event.update_id):
                    if self.durable:
                        await tx.inbox.done(event.update_id)
                    return []
                state.last_update_id = event.update_id
            turn = _Turn(self, ActionContext(tx, state, event, now, self.config, self.language))
            desk = next((d for d in self.private if d.claims(event, now)), None)
            if desk is not None:
                replies = await self._private_turn(turn, desk)
                queued = await self._queue(tx, event, replies) if self.durable else None
            else:
                with use_language(turn.ctx.language):
                    await turn.run()
                replies = fit(turn.ctx.replies)
                queued = await self._queue(tx, event, replies) if self.durable else None
                if turn.ctx.forget_chat:
                    await tx.conversations.delete(state.chat_id)
                else:
                    await tx.conversations.save(state, now)
        # Committed: the deferred writes went out in one batch, the queue ids with them.
        if queued is not None:
            replies = [replace(r, queue_id=i) for r, i in zip(replies, queued.ids(), strict=True)]
        if turn.ctx.later:
            replies += await self._afterwards(turn.ctx)
        return replies

    async def _afterwards(self, ctx: ActionContext) -> list[Reply]:
        """The work a handler left for after the turn (the wijkbeeld: reading page by page,
        counting, drawing), run without holding the database but for its own short reads;
        its replies are queued in a short transaction of their own. The bot stopping in
        between loses only these replies: the work stored nothing, and asking again gives
        them."""
        more: list[Reply] = []
        with use_language(ctx.language):
            for work in ctx.later:
                more += await work(self.db)
        more = fit(more)
        if not self.durable or not more:
            return more
        async with self.db.transaction() as tx:
            queued = tx.reply_queue.add_later(
                self._addressed(more, ctx.event.chat_id), self.clock.now()
            )
        return [replace(r, queue_id=i) for r, i in zip(more, queued.ids(), strict=True)]

    async def _private_turn(self, turn: _Turn, desk: PrivateDesk) -> list[Reply]:
        """A turn that stores nothing: the chat's state is read (its language, its open
        question) but never written, and the desk writes nothing. When durable, the update
        still leaves the inbox and the replies pass through the reply queue (queued by the caller),
        which they leave once delivered: afterwards the database is as it was."""
        ctx = turn.ctx
        with use_language(ctx.language):
            found = None
            if self.language is not None and ctx.event.kind is EventKind.TEXT:
                found = self.language.crisis(ctx.event.text, compute=False)
            if found:
                for crisis in found.ids:
                    ctx.say(CRISIS_MESSAGES[crisis])
            elif await desk.handle(ctx) and self.busy(ctx.state, ctx.now):
                turn.reask()
        return fit(ctx.replies)

    async def _queue(self, tx: Tx, event: Event, replies: list[Reply]) -> QueuedIds:
        """In the turn's transaction: the update leaves the inbox, its replies enter the queue,
        both with the turn's last batch."""
        if event.update_id is not None:
            await tx.inbox.done(event.update_id)
        return tx.reply_queue.add_later(self._addressed(replies, event.chat_id), self.clock.now())

    @staticmethod
    def _addressed(replies: list[Reply], default_chat: int | None) -> list[tuple[int, str]]:
        addressed = []
        for reply in replies:
            chat_id = reply.chat_id if reply.chat_id is not None else default_chat
            assert chat_id is not None, "a reply made outside a turn names its chat"
            addressed.append((chat_id, reply.to_json()))
        return addressed

    async def queue(
        self, tx: Tx, replies: list[Reply], default_chat: int | None = None
    ) -> list[Reply]:
        """When durable, put ``replies`` in the reply queue inside ``tx`` (each sent reply then
        goes out with :meth:`delivered`); they come back with their queue ids."""
        if not self.durable:
            return replies
        # Stamped now, not at the start of a long pass: the resend job waits a minute from here.
        ids = await tx.reply_queue.add_all(self._addressed(replies, default_chat), self.clock.now())
        return [replace(reply, queue_id=i) for reply, i in zip(replies, ids, strict=True)]

    async def passed_over(self, update_id: int) -> None:
        """An update the bot does not answer (a group, an inline message): out of the inbox."""
        if self.durable:
            async with self.db.transaction() as tx:
                await tx.inbox.done(update_id)

    async def set_aside(self, update_id: int, reason: str) -> None:
        """An update whose turn failed: kept aside, never handled again."""
        if self.durable:
            async with self.db.transaction() as tx:
                await tx.inbox.set_aside(update_id, "mislukt", reason)

    async def delivered(self, reply: Reply) -> None:
        """Telegram accepted ``reply`` (or will never take it): out of the queue."""
        if reply.queue_id is not None:
            async with self.db.transaction() as tx:
                await tx.reply_queue.sent(reply.queue_id)

    def busy(self, state: ConversationState, now: datetime) -> bool:
        """In the middle of a flow that has not expired."""
        silent_since = state.updated_at
        return state.flow is not None and (
            silent_since is None or now - silent_since <= self.config.conversation_expiry
        )

    async def chat_busy(self, tx: Tx, chat_id: int, now: datetime) -> bool:
        return self.busy(await tx.conversations.get(chat_id, fresh=True), now)

    async def start_flow_for(
        self, tx: Tx, chat_id: int, flow_id: str, values: Mapping[str, Any], now: datetime
    ) -> list[Reply] | None:
        """Start ``flow_id`` for a chat on the bot's own initiative, inside ``tx``; its replies,
        addressed to the chat (and queued, when durable).

        ``None`` when the chat is in the middle of another flow that has not expired: a flow is
        never broken off for something the resident did not ask for.
        """
        state = await tx.conversations.get(chat_id, fresh=True)
        if self.busy(state, now):
            return None
        event = Event(chat_id, chat_id, EventKind.COMMAND, "")
        turn = _Turn(self, ActionContext(tx, state, event, now, self.config, self.language))
        with use_language(turn.ctx.language):
            state.notice = None
            await turn.start(flow_id, values)
        addressed = [replace(r, chat_id=chat_id) for r in fit(turn.ctx.replies)]
        replies = await self.queue(tx, addressed)
        await tx.conversations.save(state, now)
        return replies

    async def open_question(self, chat_id: int) -> list[Reply]:
        """The question a chat was left at, with its buttons, as Telegram would still show it
        after a restart; nothing when no flow runs or it has expired. Changes nothing."""
        now = self.clock.now()
        async with self.db.transaction() as tx:
            state = await tx.conversations.get(chat_id)
            if not self.busy(state, now):
                return []
            event = Event(chat_id, chat_id, EventKind.COMMAND, "")
            turn = _Turn(self, ActionContext(tx, state, event, now, self.config, self.language))
            with use_language(turn.ctx.language):
                if turn.step is not None and turn.step.asks:
                    turn.reask()
            return fit(turn.ctx.replies)

    async def expire_stale(self) -> int:
        """Wipe every unfinished conversation silent for longer than the configured expiry."""
        now = self.clock.now()
        total = 0
        while not self.stopping:  # in short batches: a turn never waits behind the sweep
            async with self.db.transaction() as tx:
                count = await tx.conversations.expire_before(
                    now - self.config.conversation_expiry, EXPIRED_NOTICE, limit=EXPIRE_BATCH
                )
            total += count
            if count < EXPIRE_BATCH:
                break
        return total


def _first_question(flow: Flow) -> str | None:
    """The first question of ``flow`` (its start screen), past the texts said before it."""
    step = flow.steps[flow.start]
    for _count in range(len(flow.steps)):
        if step.asks:
            return step.id
        if step.kind != "say" or not step.next:
            return None
        step = flow.steps[step.next[0].goto]
    return None


class _Turn:
    """The work of one event for one chat."""

    def __init__(self, engine: Engine, ctx: ActionContext) -> None:
        self.engine = engine
        self.ctx = ctx
        self.state = ctx.state

    # -- the state ---------------------------------------------------------------------------

    @property
    def flow(self) -> Flow | None:
        return self.engine.flows.get(self.state.flow) if self.state.flow else None

    @property
    def step(self) -> Step | None:
        flow = self.flow
        return flow.steps.get(self.state.step or "") if flow else None

    def clear(self) -> None:
        self.state.flow = None
        self.state.step = None
        # What a finished flow left for its old buttons (see ``sent_button``) outlives it.
        sent = self.state.data.get("sent")
        self.state.data = {"sent": sent} if sent else {}

    def given(self) -> dict[str, Any]:
        """The answers so far, without creating the entry."""
        return self.state.data.get("answers", {})  # type: ignore[no-any-return]

    def visible_options(self, step: Step) -> list[Option]:
        return [o for o in step.options if o.when is None or o.when.holds(self.given())]

    def params(self) -> dict[str, Any]:
        return {**self.given(), **self.state.data.get("vars", {})}

    # -- running -----------------------------------------------------------------------------

    async def run(self) -> None:
        event = self.ctx.event
        expiry = self.engine.config.conversation_expiry
        if (
            self.state.flow
            and self.state.updated_at is not None
            and self.ctx.now - self.state.updated_at > expiry
        ):
            self.clear()
            self.state.notice = EXPIRED_NOTICE
        if self.state.notice:
            self.ctx.say(self.state.notice)
            self.state.notice = None
            if event.kind is not EventKind.COMMAND:
                await self.start(self.engine.main_flow)
                return
        if self.state.flow and self.step is None:
            self.clear()  # the flow file changed under a stored state: begin again
        if event.kind is EventKind.COMMAND:
            await self.command(event.command_name)
        elif event.kind is EventKind.BUTTON:
            await self.button(event.text)
        elif event.kind is EventKind.TEXT:
            await self.text(event.text)
        elif event.kind is EventKind.EDITED:
            self.ctx.say(N_("engine.edited"))
            self.reask()
        else:
            self.ctx.say(N_("engine.unsupported"))
            self.reask()

    async def start(self, flow_id: str, values: Mapping[str, Any] | None = None) -> None:
        self.clear()
        flow = self.engine.flows[flow_id]
        self.state.flow = flow.id
        if values:
            self.state.data["vars"] = dict(values)
        await self.goto(flow.start)

    async def run_handler(self, handler: Handler, argument: str) -> None:
        started = await handler(self.ctx, argument)
        if started is not None:
            await self.start_or_ask(started.flow, started.vars)

    async def start_or_ask(self, flow_id: str, values: Mapping[str, Any] | None = None) -> None:
        """Start ``flow_id``; in the middle of a report, ask first whether to throw it away."""
        if self.state.flow != self.engine.main_flow or not self.given():
            await self.start(flow_id, values)
            return
        self.state.data["pending"] = {"flow": flow_id, "vars": dict(values or {})}
        buttons = (
            Button(_(N_("engine.restart.yes")), "s:ja"),
            Button(_(N_("engine.restart.no")), "s:nee"),
        )
        self.ctx.replies.append(Reply(_(N_("engine.restart.question")), buttons))

    async def answer_restart(self, yes: bool) -> None:
        pending = self.state.data.pop("pending", None)
        if pending is None:
            self.ctx.say(N_("engine.old_button"))
            self.reask()
        elif yes:
            await self.start(pending["flow"], pending["vars"])
        else:
            self.ctx.say(N_("engine.restart.kept"))
            self.reask()

    async def command(self, name: str) -> None:
        payload = self.ctx.event.command_args
        if name == "start" and payload and self.engine.start_payload:
            await self.run_handler(self.engine.start_payload, payload)
        elif name in self.engine.commands:
            await self.run_handler(self.engine.commands[name], payload)
        elif name in BUILT_IN_COMMANDS:
            await self.built_in()[name]()
        else:
            self.ctx.say(N_("engine.unknown_command"), command=name)
            self.reask()

    def built_in(self) -> dict[str, Callable[[], Awaitable[None]]]:
        """The engine's own commands (the services bring the others)."""
        found: dict[str, Callable[[], Awaitable[None]]] = {
            "start": self.start_main,
            "stop": self.stop,
            "hulp": self.help,
            "help": self.help,
            "privacy": self.privacy,
            "taal": self.choose_language,
            "language": self.choose_language,
        }
        assert tuple(found) == BUILT_IN_COMMANDS
        return found

    async def start_main(self) -> None:
        await self.start_or_ask(self.engine.main_flow)

    async def stop(self) -> None:
        if self.state.flow:
            self.clear()
            self.ctx.say(N_("engine.stopped"))
        else:
            self.ctx.say(N_("engine.nothing_to_stop"))

    async def help(self) -> None:
        member = await self.ctx.tx.members.get(self.ctx.event.user_id)
        self.ctx.replies.append(Reply(help_text(member, offer=self.ctx.config.offer is not None)))
        self.reask()

    async def privacy(self) -> None:
        self.ctx.say(N_("engine.privacy"))
        self.reask()

    async def choose_language(self) -> None:
        self.state.data["menu"] = "taal"
        self.ctx.replies.append(
            Reply(
                _(N_("engine.language.choose")),
                tuple(Button(_(LANGUAGE_LABELS[lang]), f"l:{lang}") for lang in LANGUAGES),
            )
        )

    async def set_language(self, lang: str) -> None:
        self.state.data.pop("menu", None)
        self.state.language = lang
        # A known person (a member, a reporter) keeps the language for messages the bot sends
        # on its own, such as digests.
        await self.ctx.tx.write(
            "UPDATE people SET language = ? WHERE telegram_id = ?", (lang, self.ctx.event.user_id)
        )
        current_language.set(lang)
        self.ctx.say(N_("engine.language.set"))
        self.reask()

    async def button(self, data: str) -> None:
        kind, _sep, rest = data.partition(":")
        if kind == "l" and rest in LANGUAGES:
            await self.set_language(rest)
            return
        if kind == "s" and rest in ("ja", "nee"):
            await self.answer_restart(rest == "ja")
            return
        if kind in self.engine.buttons:
            await self.run_handler(self.engine.buttons[kind], rest)
            return
        step = self.step
        ask, _sep, index = rest.partition(":")
        sent = self.state.data.get("sent")
        if sent and kind == "a" and ask == str(sent.get("ask")):
            # A button of a question whose answer already sent something: say what it sent.
            self.ctx.say(N_("engine.already_sent"), ref=str(sent.get("ref", "")))
            return
        if step is None or not step.asks or ask != str(self.state.ask_id):
            self.ctx.say(N_("engine.old_button"))
            self.reask()
            return
        if kind == "w" and step.why:
            self.ctx.say(step.why)
            self.reask()
            return
        options = self.visible_options(step)
        chosen = index_below(index, len(options)) if kind == "a" else None
        if chosen is not None:
            await self.answer(step, options[chosen].value, options[chosen])
            return
        self.ctx.say(N_("engine.old_button"))
        self.reask()

    def match_language(self, text: str) -> str | None:
        wanted = normalise(text)
        number = _NUMBER.match(text)
        for index, lang in enumerate(LANGUAGES):
            if number and int(number.group(1)) == index + 1:
                return lang
            if wanted in (normalise(_(LANGUAGE_LABELS[lang])), lang):
                return lang
        return None

    def match_button(self, step: Step, text: str) -> Option | str | None:
        """The option (or ``"why"``) that ``text`` names by its label or number."""
        options = self.visible_options(step)
        labels: list[Option | str] = [*options, *(["why"] if step.why else [])]
        number = _NUMBER.match(text)
        if number and 1 <= int(number.group(1)) <= len(labels) and step.kind != "text":
            return labels[int(number.group(1)) - 1]
        wanted = normalise(text)
        if not wanted:
            return None
        params = self.params()
        for option in options:
            if wanted in (normalise(_(option.label, **params)), normalise(option.value)):
                return option
        # "ja" for "Ja, dat is goed": the first word, when it names one option only.
        first_words = [
            o for o in options if normalise(_(o.label, **params)).split()[:1] == [wanted]
        ]
        if len(first_words) == 1:
            return first_words[0]
        if step.why and wanted == normalise(_(N_("engine.why_button"))):
            return "why"
        return None

    def crisis_first(self, text: str) -> bool:
        """Answer a crisis at once; ``True`` when the text must not be used as an answer.

        The help line comes before anything else. The text itself is not kept: to go on with
        the report the resident sends it (or another) again, and a second crisis text at the same
        question is taken as the answer, after the help line once more.
        """
        language = self.engine.language
        flow = self.flow
        if language is None or (flow is not None and not flow.screen):
            return False
        found = language.crisis(text, compute=False)  # prepared before the turn began
        if not found:
            return False
        for crisis in found.ids:
            self.ctx.say(CRISIS_MESSAGES[crisis])
        here = f"{self.state.flow}:{self.state.step}:{self.state.ask_id}"
        step = self.step
        if step is None or not step.asks:
            self.ctx.say(N_("crisis.start_later"))
            return True
        if self.state.data.get("crisis_at") == here:
            return False
        self.state.data["crisis_at"] = here
        self.ctx.say(N_("crisis.go_on"))
        self.reask()
        return True

    async def text(self, text: str) -> None:
        if self.crisis_first(text):
            return
        if "pending" in self.state.data:
            typed = normalise(text)
            if typed in (normalise(_(N_("engine.restart.yes"))), "ja"):
                await self.answer_restart(True)
                return
            if typed in (normalise(_(N_("engine.restart.no"))), "nee"):
                await self.answer_restart(False)
                return
            self.state.data.pop("pending")  # something else: an answer to the open question
        if self.state.data.get("menu") == "taal":
            lang = self.match_language(text)
            self.state.data.pop("menu", None)
            if lang:
                await self.set_language(lang)
                return
        step = self.step
        if step is None or not step.asks:
            await self.start(self.engine.main_flow)
            return
        # One limit per question, told in one way: the step's own maximum, else a message's.
        limit = min(
            (int(arg) for name, arg in step.validators if name == "max_length"),
            default=MAX_MESSAGE_LENGTH,
        )
        try:
            max_length(text.strip(), limit)
        except Invalid as problem:
            self.ctx.say(problem.key, **problem.params)
            self.reask()
            return
        chosen = self.match_button(step, text)
        if chosen == "why":
            assert step.why
            self.ctx.say(step.why)
            self.reask()
            return
        if isinstance(chosen, Option):
            await self.answer(step, chosen.value, chosen)
            return
        if step.kind != "text":
            self.ctx.say(N_("engine.use_buttons"))
            self.reask()
            return
        value = text
        try:
            for name, arg in step.validators:
                value = VALIDATORS[name](value, arg)
        except Invalid as problem:
            self.ctx.say(problem.key, **problem.params)
            self.reask()
            return
        await self.answer(step, value, None)

    async def answer(self, step: Step, value: str, option: Option | None) -> None:
        self.ctx.answers[step.id] = value
        if step.kind == "consent":
            assert step.purpose and step.version
            self.ctx.consents[step.purpose] = {
                "given": value in step.given,
                "version": step.version,
                "at": self.ctx.now.isoformat(),
            }
        target = option.next if option and option.next else self.next_of(step)
        if step.return_to:
            # A change: ask the chosen question again, then skip what was answered before.
            self.state.data["return_to"] = step.return_to
            self.ctx.answers.pop(target, None)
        for cleared in option.clear if option else ():
            self.ctx.answers.pop(cleared, None)
        await self.goto(target)

    def next_of(self, step: Step) -> str:
        answers = self.given()
        for branch in step.next:
            if branch.when is None or branch.when.holds(answers):
                return branch.goto
        raise FlowError(f"step '{step.id}' has no way on")  # validated at load; a safeguard

    async def goto(self, step_id: str) -> None:
        """Run steps from ``step_id`` until one asks a question or the flow ends."""
        for _count in range(_MAX_STEPS_PER_TURN):
            flow = self.flow
            assert flow is not None
            return_to = self.state.data.get("return_to")
            if return_to and flow.steps[step_id].asks and step_id in self.given():
                step_id = return_to  # back from a change: this was answered before
            if step_id == return_to:
                self.state.data.pop("return_to")
            step = flow.steps[step_id]
            self.state.step = step.id
            if step.asks:
                self.state.ask_id += 1
                self.reask()
                return
            if step.kind == "say":
                assert step.text
                self.ctx.say(step.text, **self.params())
                step_id = self.next_of(step)
            elif step.kind == "action":
                assert step.action
                override = await self.engine.actions[step.action](self.ctx)
                if override and override not in step.jumps:
                    raise FlowError(
                        f"action '{step.action}' went to '{override}', not in its jumps"
                    )
                step_id = override or self.next_of(step)
            else:  # end
                if step.text:
                    self.ctx.say(step.text, **self.params())
                self.clear()
                return
        raise FlowError(f"flow '{self.state.flow}' ran {_MAX_STEPS_PER_TURN} steps in one turn")

    def reask(self) -> None:
        """Ask the pending question (again), with its buttons."""
        step = self.step
        if step is None or not step.asks:
            if not self.ctx.replies:
                self.ctx.say(N_("engine.idle"))
            return
        assert step.text
        ask = self.state.ask_id
        params = self.params()
        buttons = [
            Button(_(o.label, **params), f"a:{ask}:{i}")
            for i, o in enumerate(self.visible_options(step))
        ]
        if step.why:
            buttons.append(Button(_(N_("engine.why_button")), f"w:{ask}"))
        if self.state.flow == self.engine.main_flow and step.id == self.engine.start_step:
            buttons += [Button(_(label), data) for label, data in self.engine.start_buttons]
        self.ctx.replies.append(Reply(_(step.text, **params), tuple(buttons)))
