"""The wijkteam's side in the chat: invites, the queue, a signal, and its status changes.

Every command and button checks, in the turn's own transaction, that the person is an active
member of the signal's team (or a coordinator). A resident, a member of another team or a
revoked member gets one plain refusal and no data, whatever the callback data says. Statuses
move only as in :data:`TRANSITIONS`; every move is a signal event, and every view of a signal's
personal data is logged.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date, format_datetime, format_timedelta

from bot.checkins import hold_back, in_quiet_hours, wants_chat_contact
from bot.checkins import plan as plan_checkin
from bot.config import Config
from bot.domain import CATEGORIES, CONSENT_PURPOSES, STATUSES
from bot.engine import Action, ActionContext, Button, Reply, Service, StartFlow, shorten
from bot.i18n import N_, _, label, translate
from bot.offer_views import activity_question, record_closing, signal_section
from bot.rights import REMOVED, purpose_label
from bot.workdays import add_working_days
from storage import Member, SignalEvent, StoredSignal, Tx

log = logging.getLogger(__name__)

PAGE_SIZE = 5
# Three wrong invite codes within a minute, then ten minutes without any code.
CODE_GUESSES = 3
GUESS_WINDOW = timedelta(minutes=1)
GUESS_PAUSE = timedelta(minutes=10)
OUTCOMES: tuple[str, ...] = (
    "contact_gelegd",
    "doorverwezen",
    "collectief_aanbod",
    "geen_actie_nodig",
    "niet_bereikbaar",
)
OPEN = frozenset(STATUSES) - {"afgerond"}
TRANSITIONS: dict[str, frozenset[str]] = {
    "opgepakt": frozenset({"nieuw", "doorgestuurd", "heropend"}),
    "afgerond": frozenset({"opgepakt"}),
    "doorgestuurd": OPEN,
    "heropend": frozenset({"afgerond"}),
}
# Texts looked up by id; listed here so that extraction finds them.
_DYNAMIC_TEXTS = (
    N_("status.nieuw"),
    N_("status.opgepakt"),
    N_("status.afgerond"),
    N_("status.doorgestuurd"),
    N_("status.heropend"),
    N_("outcome.contact_gelegd.label"),
    N_("outcome.doorverwezen.label"),
    N_("outcome.collectief_aanbod.label"),
    N_("outcome.geen_actie_nodig.label"),
    N_("outcome.niet_bereikbaar.label"),
    N_("outcome.contact_gelegd.resident"),
    N_("outcome.doorverwezen.resident"),
    N_("outcome.collectief_aanbod.resident"),
    N_("outcome.geen_actie_nodig.resident"),
    N_("outcome.niet_bereikbaar.resident"),
    N_("team.invite.welcome.teamlid"),
    N_("team.invite.welcome.raadslid"),
    N_("team.invite.welcome.coordinator"),
    N_("team.attention.slechter"),
    N_("team.attention.heropen-verzoek"),
)
# A signal's timeline, one msgid per kind of event ("checkin:beter" is kind "checkin").
HISTORY = {
    "aangemaakt": N_("team.history.created"),
    "opgepakt": N_("team.history.claimed"),
    "afgerond": N_("team.history.closed"),
    "doorgestuurd": N_("team.history.forwarded"),
    "heropend": N_("team.history.reopened"),
    "checkin": N_("team.history.checkin"),
    "ingetrokken": N_("team.history.withdrawn"),
    REMOVED: N_("team.history.reporter_removed"),
    "bericht-team": N_("team.history.message_to_reporter"),
    "bericht-melder": N_("team.history.message_from_reporter"),
}
ROLE_LABELS = {
    "bewoner": N_("role.bewoner"),
    "raadslid": N_("role.raadslid"),
    "teamlid": N_("role.teamlid"),
    "coordinator": N_("role.coordinator"),
}
FIRST_WORDS = 60  # characters of the description in a queue line
# The words /wachtrij understands as a filter, besides a category and a PC4.
FILTER_WORDS = {
    "mijn": ("mijn", "mine", "van mij"),
    "nieuw": ("nieuw", "new"),
    "over tijd": ("over tijd", "overtijd", "late", "te laat"),
}
REFUSED = N_("team.refused")
NOT_FOUND = N_("team.not_found")


def allowed(status: str, to_status: str) -> bool:
    """Whether a signal may move from ``status`` to ``to_status``."""
    return status in TRANSITIONS.get(to_status, frozenset())


def can_work(member: Member | None, signal: StoredSignal | None = None) -> bool:
    """An active team member or coordinator; with a signal, one of its team."""
    if member is None or not (member.role == "coordinator" or member.teams):
        return False
    return signal is None or member.role == "coordinator" or signal.team in member.teams


def guessing_paused(wrong: list[datetime], now: datetime) -> bool:
    """Whether ``CODE_GUESSES`` wrong codes fell within a minute, the last within the pause."""
    for first, last in zip(wrong, wrong[CODE_GUESSES - 1 :], strict=False):
        if last - first <= GUESS_WINDOW and now - last < GUESS_PAUSE:
            return True
    return False


def would_lower(member: Member | None, role: str, team: str | None) -> bool:
    """Whether redeeming a code for ``role`` (of ``team``) would take something from the member
    or add nothing: a coordinator stays coordinator, a team member never becomes a council
    member of their own team, and the same role of the same team twice changes nothing."""
    if member is None or role == "coordinator":
        return member is not None and member.role == "coordinator"
    if member.role == "coordinator":
        return True
    if role == "raadslid":
        return team in member.teams or team in member.adopted
    return team in member.teams


def new_code() -> str:
    """A one-time invite code that fits a Telegram deep link and never starts with ``-`` (the
    command line would take it for an option: ``invite withdraw CODE``)."""
    while True:
        code = secrets.token_urlsafe(12)
        if not code.startswith("-"):
            return code


@dataclass(frozen=True)
class Lateness:
    over: bool
    seriously: bool


def lateness(signal: StoredSignal, config: Config, today: date) -> Lateness:
    """ "over tijd" past the deadline; "ernstig over tijd" past three times it."""
    if signal.status == "afgerond":
        return Lateness(False, False)
    days = config.categories[signal.category].deadline_working_days
    created = signal.created_at.astimezone(config.timezone).date()
    return Lateness(today > signal.deadline, today > add_working_days(created, 3 * days))


def first_words(text: str | None, limit: int = FIRST_WORDS) -> str:
    """The start of a description for a queue line: whole words, at most ``limit`` characters."""
    words = " ".join((text or "").split())
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0] + " …"


def urgency_order(signals: list[StoredSignal], config: Config, today: date) -> list[StoredSignal]:
    """What a reporter's answer flagged first, then over deadline, then by deadline."""
    return sorted(
        signals,
        key=lambda s: (
            s.attention is None,
            not lateness(s, config, today).over,
            s.deadline,
            s.created_at,
        ),
    )


class TeamDesk:
    """The team side as engine commands, buttons and flow actions."""

    ACTION_NAMES = ("close_signal", "forward_signal")

    def __init__(self, config: Config) -> None:
        self.config = config

    def service(self) -> Service:
        return Service(
            commands={
                "code": self.redeem,
                "wachtrij": self.queue,
                "signaal": self.show,
            },
            buttons={
                "q": self.queue,
                "v": self.show,
                "c": self.claim,
                "x": self.ask_outcome,
                "o": self.choose_outcome,
                "h": self.ask_team,
                "f": self.choose_team,
                "r": self.reopen,
            },
            start_payload=self.redeem,
        )

    def actions(self) -> dict[str, Action]:
        found: dict[str, Action] = {
            "close_signal": self.close_signal,
            "forward_signal": self.forward_signal,
        }
        assert tuple(found) == self.ACTION_NAMES
        return found

    # -- helpers -------------------------------------------------------------------------

    def today(self, ctx: ActionContext) -> date:
        return ctx.now.astimezone(self.config.timezone).date()

    async def member(self, ctx: ActionContext) -> Member | None:
        return await ctx.tx.members.get(ctx.event.user_id)

    async def signal_for(self, ctx: ActionContext, ref: str) -> tuple[Member, StoredSignal] | None:
        """The member and the signal, or ``None`` after telling why not (same words either way)."""
        member = await self.member(ctx)
        if not can_work(member):
            ctx.say(REFUSED)
            return None
        assert member is not None
        signal = await ctx.tx.signals.by_ref(ref.strip().upper())
        if signal is None or not can_work(member, signal):
            ctx.say(NOT_FOUND, ref=shorten(ref.strip(), 40))
            return None
        return member, signal

    def status_label(self, signal: StoredSignal) -> str:
        return label("status", signal.status)

    # -- invites ---------------------------------------------------------------------------

    async def redeem(self, ctx: ActionContext, code: str) -> StartFlow | None:
        """``/start CODE``: add the code's role, unless guessing is paused or it would lower one.

        A revoked person cannot use a code made before the revocation: the codes they may still
        hold went with their roles. Every wrong code counts towards the pause.
        """
        user = ctx.event.user_id
        members = ctx.tx.members
        if guessing_paused(await members.wrong_codes(user, ctx.now - GUESS_PAUSE), ctx.now):
            ctx.say(N_("team.invite.paused"))
            return None
        invite = await members.invite(code.strip()) if len(code) <= 64 else None
        revoked = await members.revoked_at(user)
        if (
            invite is None
            or not invite.open_at(ctx.now)
            or (revoked is not None and (invite.created_at or revoked) <= revoked)
        ):
            await members.log_wrong_code(user, ctx.now, keep=ctx.now - GUESS_PAUSE)
            if guessing_paused(await members.wrong_codes(user, ctx.now - GUESS_PAUSE), ctx.now):
                log.warning("invite codes: %d wrong within a minute, a pause", CODE_GUESSES)
            ctx.say(N_("team.invite.invalid"))
            return None
        member = await members.get(user)
        if would_lower(member, invite.role, invite.team):
            assert member is not None
            ctx.say(N_("team.invite.kept"), roles=self.roles_text(member))
            return None
        person = await ctx.tx.people.ensure(ctx.event.user_id, ctx.language, ctx.now)
        await ctx.tx.members.redeem(invite, person.id, ctx.event.user_name, ctx.now)
        team = self.config.team_name(invite.team) if invite.team else ""
        ctx.say(f"team.invite.welcome.{invite.role}", team=team)
        return None

    def roles_text(self, member: Member) -> str:
        """ "teamlid van Zaandam-Noord en raadslid van Zaandam-Oost", in the member's words."""
        if member.role == "coordinator":
            return _(N_("team.role.coordinator"))
        parts = [
            _(N_("team.role.teamlid"), team=self.config.team_name(t)) for t in sorted(member.teams)
        ]
        parts += [
            _(N_("team.role.raadslid"), team=self.config.team_name(t))
            for t in sorted(member.adopted)
        ]
        return _(N_("team.role.and")).join(parts)

    # -- the queue -------------------------------------------------------------------------

    def queue_filter(
        self, words: str, member: Member, today: date
    ) -> Callable[[StoredSignal], bool] | None:
        """The filter ``/wachtrij`` was given: mijn, nieuw, over tijd, a category, a PC4 (or
        nothing: all). ``None`` when it is no filter the bot knows."""
        wanted = " ".join(words.casefold().split())
        if not wanted:
            return lambda s: True
        if wanted in FILTER_WORDS["mijn"]:
            return lambda s: s.claimed_by == member.person_id
        if wanted in FILTER_WORDS["nieuw"]:
            return lambda s: s.status == "nieuw"
        if wanted in FILTER_WORDS["over tijd"]:
            return lambda s: lateness(s, self.config, today).over
        if re.fullmatch(r"[1-9][0-9]{3}", wanted):
            return lambda s: s.postcode4 == wanted
        for category in CATEGORIES:
            if wanted in (category, label("category", category).casefold()):
                return lambda s, c=category: s.category == c  # type: ignore[misc]
        return None

    async def queue(self, ctx: ActionContext, argument: str) -> StartFlow | None:
        """``/wachtrij [filter] [page]``: the open signals, most urgent first, a page at a time."""
        member = await self.member(ctx)
        if not can_work(member):
            ctx.say(REFUSED)
            return None
        assert member is not None
        words = argument.split()
        page_asked = 1
        if words and re.fullmatch(r"[0-9]{1,3}", words[-1]):
            page_asked = int(words.pop())
        chosen = " ".join(words)
        today = self.today(ctx)
        keep = self.queue_filter(chosen, member, today)
        if keep is None:
            ctx.say(N_("team.queue.unknown_filter"), filter=shorten(chosen, 40))
            return None
        teams = None if member.role == "coordinator" else member.teams
        signals = urgency_order(
            [s for s in await ctx.tx.signals.open_of(teams) if keep(s)], self.config, today
        )
        if not signals:
            ctx.say(N_("team.queue.empty_filtered") if chosen else N_("team.queue.empty"))
            return None
        pages = (len(signals) + PAGE_SIZE - 1) // PAGE_SIZE
        page = min(max(page_asked, 1), pages)
        shown = signals[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        title = _(N_("team.queue.title"), count=len(signals), page=page, pages=pages)
        if chosen:
            title += "\n" + _(N_("team.queue.filtered"), filter=chosen)
        lines = [title]
        for signal in shown:
            lines.append(await self.queue_line(ctx, signal, today))
        buttons = [Button(_(N_("team.button.view"), ref=s.ref), f"v:{s.ref}") for s in shown]
        if page > 1:
            buttons.append(Button(_(N_("team.button.previous")), f"q:{chosen} {page - 1}"))
        if page < pages:
            buttons.append(Button(_(N_("team.button.next")), f"q:{chosen} {page + 1}"))
        ctx.replies.append(Reply("\n\n".join(lines), tuple(buttons)))
        return None

    async def queue_line(self, ctx: ActionContext, signal: StoredSignal, today: date) -> str:
        late = lateness(signal, self.config, today)
        marks = []
        if signal.claimed_by is not None:
            marks.append(
                _(N_("team.queue.claimed_by"), name=await self.name_of(ctx, signal.claimed_by))
            )
        if signal.attention:
            marks.append(label("team.attention", signal.attention))
        if late.seriously:
            marks.append(_(N_("team.late.seriously")))
        elif late.over:
            marks.append(_(N_("team.late.over")))
        return _(
            N_("team.queue.line"),
            ref=signal.ref,
            category=label("category", signal.category),
            postcode=signal.postcode4 or "-",
            team=self.config.team_name(signal.team),
            age=format_timedelta(ctx.now - signal.created_at, locale=ctx.language),
            deadline=format_date(signal.deadline, "EEE d MMM", locale=ctx.language),
            status=self.status_label(signal),
            marks=(" · " + " · ".join(marks)) if marks else "",
            start=first_words(signal.description),
        )

    async def name_and_role(self, ctx: ActionContext, person_id: int) -> str:
        """ "Fatima (teamlid)": a person's name and role, never their Telegram id."""
        rows = await ctx.tx.read(
            "SELECT COALESCE(display_name, '?'), role FROM people WHERE id = ?", (person_id,)
        )
        if not rows:
            return "?"
        return _(N_("team.person"), name=rows[0][0], role=_(ROLE_LABELS.get(rows[0][1], "?")))

    def history_line(self, ctx: ActionContext, event: SignalEvent) -> str:
        """One line of a signal's timeline for the team: when, what, who; notes included."""
        when = format_datetime(
            event.at.astimezone(self.config.timezone), "d MMM HH:mm", locale=ctx.language
        )
        kind, _sep, detail = event.kind.partition(":")
        params: dict[str, str] = {"at": when, "actor": event.actor, "detail": detail}
        if kind == "afgerond":
            params["detail"] = label("outcome", detail, "label") if detail in OUTCOMES else "-"
        elif kind == "ingetrokken" and detail in CONSENT_PURPOSES:
            params["detail"] = purpose_label(detail)
        elif kind == "doorgestuurd":
            params["detail"] = self.config.team_name(detail) if detail else "-"
        key = HISTORY.get(kind, N_("team.history.other"))
        line = _(key, **params)
        if event.note and kind != "aangemaakt":
            line += "\n" + _(N_("team.history.note"), note=event.note)
        elif event.removed_at is not None:
            line += "\n" + _(N_("team.history.note"), note=_(N_("team.history.removed_words")))
        return line

    async def name_of(self, ctx: ActionContext, person_id: int) -> str:
        rows = await ctx.tx.read(
            "SELECT COALESCE(display_name, telegram_id) FROM people WHERE id = ?", (person_id,)
        )
        return str(rows[0][0]) if rows else "?"

    # -- one signal ------------------------------------------------------------------------

    async def show(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        found = await self.signal_for(ctx, ref)
        if found is None:
            return None
        member, signal = found
        await ctx.tx.members.log_view(signal.id, member.person_id, ctx.now)
        buttons = self.signal_buttons(signal)
        if (
            member.role == "coordinator" or signal.claimed_by == member.person_id
        ) and wants_chat_contact(signal.contact_method, signal.reporter_id):
            buttons += (Button(_(N_("relay.button.write")), f"m:{signal.ref}"),)
        ctx.replies.append(Reply(await self.describe(ctx, signal), buttons))
        return None

    async def describe(self, ctx: ActionContext, signal: StoredSignal) -> str:
        given = [c for c in signal.consents if c.given]
        consent = ", ".join(f"{c.purpose} ({c.text_version})" for c in given) or "-"
        events = await ctx.tx.signals.events(signal.id)
        if signal.anonymous:
            contact = _(N_("team.contact.anonymous"))
        elif signal.reporter_id is None and any(e.kind == REMOVED for e in events):
            contact = _(N_("team.contact.removed"))
        elif signal.contact_method == "chat":
            contact = _(N_("team.contact.chat"))
        elif signal.contact_method == "telefoon":
            contact = _(N_("team.contact.phone"), phone=signal.contact_phone or "")
        else:
            contact = _(N_("team.contact.none"))
        knows = ""
        if signal.about == "ander":
            key = (
                N_("team.signal.knows_yes") if signal.subject_knows else N_("team.signal.knows_no")
            )
            knows = _(key)
        late = lateness(signal, self.config, self.today(ctx))
        claimed = await self.name_and_role(ctx, signal.claimed_by) if signal.claimed_by else "-"
        history = [self.history_line(ctx, e) for e in events]
        return (
            _(
                N_("team.signal.view"),
                ref=signal.ref,
                status=self.status_label(signal),
                late=_(N_("team.late.seriously"))
                if late.seriously
                else (_(N_("team.late.over")) if late.over else ""),
                category=label("category", signal.category),
                about=label("melding.about", signal.about),
                knows=knows,
                description=signal.description,
                postcode=signal.postcode or signal.postcode4 or "-",
                team=self.config.team_name(signal.team),
                reason=signal.route_reason,
                created=format_date(
                    signal.created_at.astimezone(self.config.timezone),
                    "EEEE d MMMM",
                    locale=ctx.language,
                ),
                deadline=format_date(signal.deadline, "EEEE d MMMM", locale=ctx.language),
                consent=consent,
                contact=contact,
                source=signal.source,
                claimed=claimed,
            )
            + "\n\n"
            + _(N_("team.signal.history"), lines="\n".join(history))
            + ("\n" + label("team.attention", signal.attention) if signal.attention else "")
            + await signal_section(ctx, self.config, signal)
        )

    def signal_buttons(self, signal: StoredSignal) -> tuple[Button, ...]:
        buttons = []
        if allowed(signal.status, "opgepakt"):
            buttons.append(Button(_(N_("team.button.claim")), f"c:{signal.ref}"))
        if allowed(signal.status, "afgerond"):
            buttons.append(Button(_(N_("team.button.close")), f"x:{signal.ref}"))
        if allowed(signal.status, "doorgestuurd"):
            buttons.append(Button(_(N_("team.button.forward")), f"h:{signal.ref}"))
        if allowed(signal.status, "heropend"):
            buttons.append(Button(_(N_("team.button.reopen")), f"r:{signal.ref}"))
        return tuple(buttons)

    # -- status changes --------------------------------------------------------------------

    def refuse_move(self, ctx: ActionContext, signal: StoredSignal, to_status: str) -> bool:
        if allowed(signal.status, to_status):
            return False
        ctx.say(
            N_("team.move.refused"),
            ref=signal.ref,
            status=self.status_label(signal),
            to=label("status", to_status),
        )
        return True

    async def claim(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        found = await self.signal_for(ctx, ref)
        if found is None:
            return None
        member, signal = found
        if signal.status == "opgepakt":
            if signal.claimed_by == member.person_id:
                ctx.say(N_("team.claim.yours"), ref=signal.ref)
            else:
                name = await self.name_of(ctx, signal.claimed_by) if signal.claimed_by else "?"
                ctx.say(N_("team.claim.taken"), ref=signal.ref, name=name)
            return None
        if self.refuse_move(ctx, signal, "opgepakt"):
            return None
        await ctx.tx.signals.change(
            signal, ctx.now, member.name, "opgepakt", "opgepakt", claimed_by=member.person_id
        )
        ctx.say(N_("team.claim.done"), ref=signal.ref)
        await self.tell_reporter(ctx, signal, N_("reporter.claimed"))
        return None

    async def ask_outcome(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        found = await self.signal_for(ctx, ref)
        if found is None:
            return None
        member, signal = found
        if self.refuse_move(ctx, signal, "afgerond") or not await self.may_close(
            ctx, member, signal
        ):
            return None
        buttons = tuple(
            Button(label("outcome", o, "label"), f"o:{signal.ref}:{o}") for o in OUTCOMES
        )
        ctx.replies.append(Reply(_(N_("team.close.outcome"), ref=signal.ref), buttons))
        return None

    async def may_close(self, ctx: ActionContext, member: Member, signal: StoredSignal) -> bool:
        if member.role == "coordinator" or signal.claimed_by == member.person_id:
            return True
        name = await self.name_of(ctx, signal.claimed_by) if signal.claimed_by else "?"
        ctx.say(N_("team.close.not_yours"), ref=signal.ref, name=name)
        return False

    async def choose_outcome(self, ctx: ActionContext, data: str) -> StartFlow | None:
        ref, _sep, outcome = data.rpartition(":")
        found = await self.signal_for(ctx, ref)
        if found is None or outcome not in OUTCOMES:
            return None
        member, signal = found
        if self.refuse_move(ctx, signal, "afgerond") or not await self.may_close(
            ctx, member, signal
        ):
            return None
        if outcome == "collectief_aanbod" and self.config.offer is not None:
            ctx.replies.append(activity_question(self.config, signal, ctx.now))  # then "ak:"
            return None
        return StartFlow(
            "afronden",
            {
                "ref": signal.ref,
                "outcome": outcome,
                "outcome_label": label("outcome", outcome, "label"),
            },
        )

    async def close_signal(self, ctx: ActionContext) -> str | None:
        """Flow action: close with the chosen outcome and the (optional) note, checked again."""
        found = await self.signal_for(ctx, ctx.vars["ref"])
        if found is None:
            return "gone"
        member, signal = found
        if self.refuse_move(ctx, signal, "afgerond") or not await self.may_close(
            ctx, member, signal
        ):
            return "gone"
        note = ctx.answers.get("note")
        outcome = ctx.vars["outcome"]
        await ctx.tx.signals.change(
            signal,
            ctx.now,
            member.name,
            f"afgerond:{outcome}",
            "afgerond",
            None if note == "geen" else note,
            claimed_by=signal.claimed_by,
            outcome=outcome,
        )
        extra = await record_closing(ctx, self.config, signal)
        await self.tell_reporter(ctx, signal, N_("reporter.closed"), outcome=outcome, extra=extra)
        if wants_chat_contact(signal.contact_method, signal.reporter_id):
            after = self.config.categories[signal.category].checkin_after_close
            await plan_checkin(ctx.tx, signal.id, "na_afronding", ctx.now + after)
        return None

    async def ask_team(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        found = await self.signal_for(ctx, ref)
        if found is None:
            return None
        _member, signal = found
        if self.refuse_move(ctx, signal, "doorgestuurd"):
            return None
        buttons = tuple(
            Button(team.name, f"f:{signal.ref}:{team.id}")
            for team in self.config.teams.values()
            if team.id != signal.team
        )
        ctx.replies.append(Reply(_(N_("team.forward.which"), ref=signal.ref), buttons))
        return None

    async def choose_team(self, ctx: ActionContext, data: str) -> StartFlow | None:
        ref, _sep, team = data.rpartition(":")
        found = await self.signal_for(ctx, ref)
        if found is None or team not in self.config.teams:
            return None
        _member, signal = found
        if self.refuse_move(ctx, signal, "doorgestuurd"):
            return None
        return StartFlow(
            "doorsturen",
            {"ref": signal.ref, "team": team, "team_name": self.config.team_name(team)},
        )

    async def forward_signal(self, ctx: ActionContext) -> str | None:
        """Flow action: hand the signal to another team with the reason, and tell that team."""
        found = await self.signal_for(ctx, ctx.vars["ref"])
        if found is None:
            return "gone"
        member, signal = found
        if self.refuse_move(ctx, signal, "doorgestuurd"):
            return "gone"
        team = ctx.vars["team"]
        await ctx.tx.signals.change(
            signal,
            ctx.now,
            member.name,
            f"doorgestuurd:{team}",
            "doorgestuurd",
            ctx.answers["reason"],
            team=team,
        )
        for colleague in await ctx.tx.members.of_team(team):
            ctx.replies.append(
                Reply(
                    translate(
                        N_("team.forward.arrived"),
                        ctx.language,
                        ref=signal.ref,
                        source=self.config.team_name(signal.team),
                        reason=ctx.answers["reason"],
                    ),
                    (Button(_(N_("team.button.view"), ref=signal.ref), f"v:{signal.ref}"),),
                    chat_id=colleague.telegram_id,
                )
            )
        return None

    async def reopen(self, ctx: ActionContext, ref: str) -> StartFlow | None:
        found = await self.signal_for(ctx, ref)
        if found is None:
            return None
        member, signal = found
        if self.refuse_move(ctx, signal, "heropend"):
            return None
        await ctx.tx.signals.change(signal, ctx.now, member.name, "heropend", "heropend")
        ctx.say(N_("team.reopen.done"), ref=signal.ref)
        return None

    async def tell_reporter(
        self,
        ctx: ActionContext,
        signal: StoredSignal,
        key: str,
        outcome: str | None = None,
        extra: str = "",
    ) -> None:
        """Where the reporter agreed to contact through the chat, tell them in their language
        (``extra``, already in it, is a paragraph more)."""
        if signal.contact_method != "chat" or signal.reporter_id is None:
            return
        reporter = await ctx.tx.people.by_id(signal.reporter_id)
        if reporter is None:
            return
        lang = signal.language
        text = translate(
            key,
            lang,
            ref=signal.ref,
            team=self.config.team_name(signal.team),
            outcome=translate(f"outcome.{outcome}.resident", lang) if outcome else "",
        )
        if extra:
            text += "\n\n" + extra
        local = ctx.now.astimezone(self.config.timezone).time()
        if in_quiet_hours(self.config.quiet_hours, local):
            await hold_back(ctx.tx, reporter.telegram_id, text, ctx.now)
        else:
            ctx.replies.append(Reply(text, chat_id=reporter.telegram_id))


async def create_invite(tx: Tx, config: Config, role: str, team: str | None, now: datetime) -> str:
    """Store a new one-time invite; the code."""
    code = new_code()
    await tx.members.create_invite(code, role, team, now, now + config.invite_valid_for)
    return code
