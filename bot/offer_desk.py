"""The neighbourhood's offer in the chat.

- **For anyone, storing nothing:** ``/buurt`` (or "Wat is er in mijn buurt?" on the start
  screen) asks a postcode (with "Weet ik niet" and "Stoppen" as ways out), then "what for"
  (all, or a category with activities there), then shows at most five activities with their
  next date. The exchange never touches the database:
  the engine runs it as a private turn (no conversation state is written), the postcode and the
  category travel in the buttons' callback data, and the one open question ("which postcode?")
  is kept in this process's memory for :data:`ASK_FOR`, for at most :data:`MAX_OPEN` chats.
- **After a report with consent:** when activities serve the report's postcode and category,
  one message names at most two (for the reporter, or, when the report is about someone else
  or the neighbourhood, worded for passing on), and, when the reporter agreed to contact, asks
  whether the team should talk it over with them. The report is already stored; an unanswered
  question changes nothing.
- **For the team:** closing with "collectief aanbod" asks which activity (bot/offer_views.py
  builds the question; the button lands here) and goes on to the closing flow.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

from bot.config import Config
from bot.domain import CATEGORIES, Postcode, parse_postcode, starts_with_zero
from bot.engine import (
    Action,
    ActionContext,
    Button,
    Event,
    EventKind,
    Reply,
    Service,
    StartFlow,
    normalise,
)
from bot.i18n import N_, _, label
from bot.offer import Offer
from bot.offer_views import (
    OTHER,
    REPORT_HEAD,
    REPORT_QUESTION,
    activity_block,
    activity_line,
    offered_for,
)
from bot.team import TeamDesk
from storage import OFFER_AFTER_REPORT

ASK_FOR = timedelta(minutes=10)  # how long "which postcode?" waits for its answer
MAX_OPEN = 10_000  # chats with that question open, kept in memory
LISTED = 5  # activities in the answer to /buurt
AFTER_REPORT = 2  # activities offered after a report
ALL = "alles"
DONT_KNOW, STOP = "onbekend", "stop"  # the ways out of "which postcode?"
PRIVATE_BUTTON = "nb"  # /buurt's buttons: "nb:" (ask), "nb:1503AB", "nb:1503AB:eenzaamheid",
# "nb:onbekend", "nb:stop"


class OfferDesk:
    """The offer's commands, buttons and flow actions (see the module's description)."""

    ACTION_NAMES = ("offer_after_report", "offer_closing_start")
    commands: tuple[str, ...] = ("buurt",)  # answered in a private turn (see claims)

    def __init__(self, config: Config) -> None:
        self.config = config
        self.desk = TeamDesk(config)
        self.asked: OrderedDict[int, datetime] = OrderedDict()  # chat -> until when

    def service(self) -> Service:
        if self.config.offer is None:
            return Service()
        return Service(
            buttons={"ao": self.answer, "ak": self.choose_activity},
            start_buttons=((N_("offer.buurt.button"), f"{PRIVATE_BUTTON}:"),),
            private=self,
        )

    def actions(self) -> dict[str, Action]:
        found: dict[str, Action] = {
            "offer_after_report": self.after_report,
            "offer_closing_start": self.closing_start,
        }
        assert tuple(found) == self.ACTION_NAMES
        return found

    @property
    def offer(self) -> Offer:
        assert self.config.offer is not None, "registered only with an offer"
        return self.config.offer

    # -- /buurt: nothing stored ------------------------------------------------------------

    def claims(self, event: Event, now: datetime) -> bool:
        """``/buurt``, its buttons, and a text while "which postcode?" is open. Anything else
        the chat does closes that question."""
        if event.kind is EventKind.COMMAND and event.command_name in self.commands:
            return True
        if event.kind is EventKind.BUTTON and event.text.partition(":")[0] == PRIVATE_BUTTON:
            return True
        until = self.asked.get(event.chat_id)
        if event.kind is EventKind.TEXT and until is not None and now < until:
            return True  # answered in handle(); a crisis text leaves the question open
        self.asked.pop(event.chat_id, None)
        return False

    async def handle(self, ctx: ActionContext) -> bool:
        event = ctx.event
        if event.kind is EventKind.TEXT:
            self.asked.pop(event.chat_id, None)
            way_out = self.typed_way_out(event.text)
            if way_out is not None:
                return self.way_out(ctx, way_out)
            return self.postcode_given(ctx, event.text)
        if event.kind is EventKind.COMMAND:
            if event.command_args:
                return self.postcode_given(ctx, event.command_args)
            return self.ask_postcode(ctx)
        parts = event.text.split(":")[1:]
        if parts and parts[0] in (DONT_KNOW, STOP):
            self.asked.pop(event.chat_id, None)
            return self.way_out(ctx, parts[0])
        postcode = parse_postcode(parts[0]) if parts and parts[0] else None
        if postcode is None:
            return self.ask_postcode(ctx)
        if len(parts) == 1:
            return self.ask_category(ctx, postcode)
        return self.listing(ctx, postcode, parts[1] if parts[1] in CATEGORIES else None)

    @staticmethod
    def typed_way_out(text: str) -> str | None:
        """ "Weet ik niet" or "Stoppen" typed instead of tapped."""
        typed = normalise(text)
        for choice, key in (
            (DONT_KNOW, N_("offer.buurt.dont_know")),
            (STOP, N_("offer.buurt.stop")),
        ):
            if typed in (choice, normalise(_(key))):
                return choice
        return None

    def way_out(self, ctx: ActionContext, choice: str) -> bool:
        """No postcode after all: say how to look later; the open question of a report comes
        back."""
        ctx.say(N_("offer.buurt.no_postcode") if choice == DONT_KNOW else N_("offer.buurt.stopped"))
        return True

    def ask_postcode(self, ctx: ActionContext) -> bool:
        self.asked[ctx.event.chat_id] = ctx.now + ASK_FOR
        self.asked.move_to_end(ctx.event.chat_id)
        while len(self.asked) > MAX_OPEN:
            self.asked.popitem(last=False)
        buttons = (
            Button(_(N_("offer.buurt.dont_know")), f"{PRIVATE_BUTTON}:{DONT_KNOW}"),
            Button(_(N_("offer.buurt.stop")), f"{PRIVATE_BUTTON}:{STOP}"),
        )
        ctx.replies.append(Reply(_(N_("offer.buurt.ask")), buttons))
        return False

    def postcode_given(self, ctx: ActionContext, text: str) -> bool:
        postcode = parse_postcode(text)
        if postcode is None:
            # "0000" has the four digits: what is wrong is the 0 it begins with.
            wrong = starts_with_zero(text)
            ctx.say(N_("validate.postcode_zero") if wrong else N_("offer.buurt.not_a_postcode"))
            return self.ask_postcode(ctx)
        return self.ask_category(ctx, postcode)

    def ask_category(self, ctx: ActionContext, postcode: Postcode) -> bool:
        """All, or one of the categories something at this postcode helps with."""
        categories = self.offer.categories_at(postcode)
        if not categories and not self.config.router.covers(postcode):
            # Perhaps a typing error: say so, and the question stays open.
            ctx.say(N_("offer.buurt.outside"), postcode=str(postcode))
            return self.ask_postcode(ctx)
        if not categories:
            ctx.say(N_("offer.buurt.none"), postcode=str(postcode))
            return True
        data = f"{PRIVATE_BUTTON}:{postcode.compact}"
        buttons = [Button(_(N_("offer.buurt.all")), f"{data}:{ALL}")]
        buttons += [Button(label("category", c), f"{data}:{c}") for c in categories]
        ctx.replies.append(Reply(_(N_("offer.buurt.which")), tuple(buttons)))
        return False

    def listing(self, ctx: ActionContext, postcode: Postcode, category: str | None) -> bool:
        found = self.offer.matching(postcode, category, ctx.now)
        if not found:
            ctx.say(N_("offer.buurt.none"), postcode=str(postcode))
            return True
        blocks = [
            activity_block(activity, meeting, self.offer, ctx.language)
            for activity, meeting in found[:LISTED]
        ]
        head = _(N_("offer.buurt.head"), postcode=str(postcode))
        if category is not None:
            head = _(
                N_("offer.buurt.head_category"),
                postcode=str(postcode),
                category=label("category", category),
            )
        parts = [head, *blocks]
        if len(found) > LISTED:
            parts.append(_(N_("offer.buurt.more"), count=len(found) - LISTED))
        parts.append(_(N_("offer.buurt.foot")))
        ctx.replies.append(Reply("\n\n".join(parts)))
        return True

    # -- after a report ----------------------------------------------------------------------

    async def after_report(self, ctx: ActionContext) -> str | None:
        """Flow action after the signal is stored: offer at most two activities that serve its
        postcode and category, when the reporter gave consent (not anonymous)."""
        offer = self.config.offer
        ref = ctx.vars.get("ref")
        if offer is None or not ref or not ctx.consents.get("melden", {}).get("given"):
            return None
        rows = await ctx.tx.read("SELECT id, contact_method FROM signals WHERE ref = ?", (ref,))
        postcode = parse_postcode(str(ctx.answers.get("where", "")))
        if postcode is None:
            return None
        found = offer.matching(postcode, ctx.answers.get("category"), ctx.now, AFTER_REPORT)
        if not rows or not found:
            return None
        signal_id, contact_method = rows[0]
        await ctx.tx.offers.add(
            signal_id, OFFER_AFTER_REPORT, [(a.id, a.name) for a, _m in found], ctx.now
        )
        about = ctx.answers.get("about")
        lines = [_(offered_for(REPORT_HEAD, about))]
        lines += [activity_line(a, meeting, offer, ctx.language) for a, meeting in found]
        if contact_method not in ("chat", "telefoon"):
            ctx.replies.append(Reply("\n\n".join(lines)))
            return None
        lines.append(_(offered_for(REPORT_QUESTION, about)))
        buttons = (
            Button(_(N_("offer.report.yes")), f"ao:{ref}:ja"),
            Button(_(N_("offer.report.no")), f"ao:{ref}:nee"),
        )
        ctx.replies.append(Reply("\n\n".join(lines), buttons))
        return None

    async def answer(self, ctx: ActionContext, data: str) -> StartFlow | None:
        """ "Ja, graag" or "Nee, dank u": stored with the signal, for its reporter only."""
        ref, _sep, answer = data.rpartition(":")
        person = await ctx.tx.people.get(ctx.event.user_id)
        rows = await ctx.tx.read(
            "SELECT id, reporter_id FROM signals WHERE ref = ?", (ref.strip().upper()[:40],)
        )
        if (
            person is None
            or not rows
            or rows[0][1] != person.id
            or answer not in ("ja", "nee")
            or not await ctx.tx.offers.answer(rows[0][0], answer == "ja")
        ):
            ctx.say(N_("offer.report.gone"))
            return None
        ctx.say(N_("offer.report.wanted") if answer == "ja" else N_("offer.report.not_wanted"))
        return None

    # -- the team closes with "collectief aanbod" --------------------------------------------

    async def choose_activity(self, ctx: ActionContext, data: str) -> StartFlow | None:
        """The activity button under "Welk aanbod?": checked as any closing, then the closing
        flow (which asks a name first for "ander aanbod")."""
        ref, _sep, chosen = data.rpartition(":")
        found = await self.desk.signal_for(ctx, ref)
        if found is None:
            return None
        member, signal = found
        if chosen != OTHER and self.offer.get(chosen) is None:
            ctx.say(N_("engine.old_button"))
            return None
        if self.desk.refuse_move(ctx, signal, "afgerond") or not await self.desk.may_close(
            ctx, member, signal
        ):
            return None
        return StartFlow(
            "afronden",
            {
                "ref": signal.ref,
                "outcome": "collectief_aanbod",
                "outcome_label": _(N_("outcome.collectief_aanbod.label")),
                "activity": chosen,
            },
        )

    async def closing_start(self, ctx: ActionContext) -> str | None:
        """Flow action at the start of closing: "ander aanbod" is named first."""
        return "offer_name" if ctx.vars.get("activity") == OTHER else None
