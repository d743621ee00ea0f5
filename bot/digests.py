"""The daily digest: each working morning, per team, what is open, new and late.

The ``digests`` table is the source of truth for what was sent: a digest is recorded in the same
(short, one team's) transaction that builds it and puts its messages in the reply queue, and is
sent after that commits, so a restart never sends one twice nor loses one;
the JobQueue only wakes the bot up (every minute), so a digest missed while the bot was down is
sent once, at the next wake-up on a working day after the digest time. A team's group chat gets
counts only, never a description or personal data; members' digests show references, categories
and PC4 areas, and the details stay behind "Bekijk".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_date

from bot.config import Config
from bot.engine import ActionContext, Button, Engine, Reply, Service, StartFlow
from bot.i18n import N_, translate
from bot.offer_views import digest_line
from bot.team import allowed, can_work, lateness, urgency_order
from bot.workdays import is_working_day
from storage import Database, StoredSignal, Tx, from_db_time, to_db_time

MAX_LISTED = 8
# The greeting by the local hour it starts at: "Goedemorgen" from 6:00, and so on.
GREETINGS = (
    (18, N_("digest.greeting.evening")),
    (12, N_("digest.greeting.afternoon")),
    (6, N_("digest.greeting.morning")),
    (0, N_("digest.greeting.night")),
)


@dataclass(frozen=True)
class TeamFigures:
    team: str
    open: list[StoredSignal]
    new: list[StoredSignal]
    late: list[StoredSignal]
    changed: list[str]  # refs whose reporter withdrew consent or had data removed


class Digests:
    def __init__(self, config: Config) -> None:
        self.config = config

    def service(self) -> Service:
        return Service(commands={"digest": self.on_demand})

    def local_day(self, now: datetime) -> date:
        return now.astimezone(self.config.timezone).date()

    def due_today(self, now: datetime) -> bool:
        local = now.astimezone(self.config.timezone)
        return is_working_day(local.date()) and local.time() >= self.config.digest_time

    async def last_sent(self, tx: Tx, team: str) -> datetime | None:
        rows = await tx.read("SELECT max(sent_at) FROM digests WHERE team = ?", (team,))
        return from_db_time(rows[0][0]) if rows and rows[0][0] else None

    async def send_due(self, db: Database, now: datetime) -> list[Reply]:
        """Every digest due and not yet recorded, recorded now; the messages to send.

        Each team is read and recorded in a transaction of its own, so a resident's turn never
        waits behind the digests of every team.
        """
        out: list[Reply] = []
        for team in self.teams_due(now):
            async with db.transaction() as tx:
                out += await self.record_team(tx, team, now)
        return out

    async def deliver_due(self, engine: Engine, send: Callable[[Reply], Awaitable[bool]]) -> int:
        """:meth:`send_due` for the running bot: each team's messages are recorded and queued
        in one short transaction, then sent; asked to stop, it stops between two sends (the
        rest is in the reply queue for the next start). The number of messages sent."""
        now = engine.clock.now()
        sent = 0
        for team in self.teams_due(now):
            if engine.stopping:
                break
            async with engine.db.transaction() as tx:
                replies = await engine.queue(tx, await self.record_team(tx, team, now))
            for reply in replies:
                if engine.stopping:
                    return sent
                await send(reply)
                await engine.delivered(reply)
                sent += 1
        return sent

    def teams_due(self, now: datetime) -> list[str]:
        """The teams whose digest may be due now (working day, after the digest time)."""
        return list(self.config.teams) if self.due_today(now) else []

    async def record_team(self, tx: Tx, team_id: str, now: datetime) -> list[Reply]:
        """One team's digest messages, recorded as sent in ``tx``; none when already sent
        today or when nobody would read it."""
        team = self.config.teams[team_id]
        day = self.local_day(now).isoformat()
        members = await tx.members.of_team(team.id)
        if not members and team.group_chat is None:
            return []
        if await tx.read("SELECT 1 FROM digests WHERE team = ? AND day = ?", (team.id, day)):
            return []
        since = await self.last_sent(tx, team.id) or now - timedelta(days=1)
        figures = await self.figures(tx, team.id, since, now)
        out = [self.for_member(figures, m.telegram_id, now, m.language) for m in members]
        if team.group_chat is not None:
            out.append(self.for_group(figures, team.group_chat))
        await tx.write(
            "INSERT INTO digests (team, day, sent_at) VALUES (?, ?, ?)",
            (team.id, day, to_db_time(now)),
        )
        return out

    async def figures(self, tx: Tx, team: str, since: datetime, now: datetime) -> TeamFigures:
        """What a team's digest says, read once for all its members."""
        today = self.local_day(now)
        # Most urgent first (flagged by the reporter, then late, then by deadline), so every
        # list in the digest starts with what needs the team most.
        open_signals = urgency_order(
            await tx.signals.open_of(frozenset({team})), self.config, today
        )
        changed = await tx.read(
            # CROSS JOIN: from the few withdrawals since (a partial index), never the team's
            # whole history. The kind test is written as in that index (migration 0010).
            "SELECT DISTINCT s.ref FROM signal_events e CROSS JOIN signals s ON s.id = e.signal_id"
            " WHERE s.team = ? AND e.at >= ? AND (e.kind LIKE 'ingetrokken:%'"
            " OR e.kind = 'melder-verwijderd') ORDER BY s.ref",
            (team, to_db_time(since)),
        )
        return TeamFigures(
            team=team,
            open=open_signals,
            new=[s for s in open_signals if s.created_at >= since],
            late=[s for s in open_signals if lateness(s, self.config, today).over],
            changed=[r[0] for r in changed],
        )

    def greeting(self, now: datetime, lang: str) -> str:
        """ "Goedemorgen", "Goedemiddag" or "Goedenavond" by the municipality's clock."""
        hour = now.astimezone(self.config.timezone).hour
        key = next(key for start, key in GREETINGS if hour >= start)
        return translate(key, lang)

    def for_member(self, figures: TeamFigures, chat_id: int, now: datetime, lang: str) -> Reply:
        team, open_signals, new, late = figures.team, figures.open, figures.new, figures.late
        per_category = Counter(s.category for s in open_signals)
        lines = [
            translate(
                N_("digest.member.head"),
                lang,
                greeting=self.greeting(now, lang),
                team=self.config.team_name(team),
                day=format_date(self.local_day(now), "EEEE d MMMM", locale=lang),
                open=len(open_signals),
                late=len(late),
            )
        ]
        if per_category:
            counts = ", ".join(
                f"{translate(f'category.{c}', lang)} {n}" for c, n in per_category.most_common()
            )
            lines.append(translate(N_("digest.member.per_category"), lang, counts=counts))
        lines += self.listing(N_("digest.member.new"), new, lang, now)
        lines += self.listing(N_("digest.member.late"), late, lang, now)
        flagged = [s for s in open_signals if s.attention]
        if flagged:
            rows = [
                f"- {s.ref}: " + translate(f"team.attention.{s.attention}", lang) for s in flagged
            ]
            lines.append(translate(N_("digest.member.attention"), lang) + "\n" + "\n".join(rows))
        if figures.changed:
            refs = ", ".join(figures.changed)
            lines.append(translate(N_("digest.member.rights"), lang, refs=refs))
        buttons: list[Button] = []
        wanted = {s.ref for s in [*late, *new]}
        listed = {s.ref: s for s in open_signals if s.ref in wanted}
        for signal in list(listed.values())[:MAX_LISTED]:
            buttons.append(
                Button(translate(N_("team.button.view"), lang, ref=signal.ref), f"v:{signal.ref}")
            )
            if allowed(signal.status, "opgepakt"):
                label = translate(N_("digest.button.claim"), lang, ref=signal.ref)
                buttons.append(Button(label, f"c:{signal.ref}"))
        return Reply("\n\n".join(lines), tuple(buttons), chat_id=chat_id)

    def listing(self, key: str, signals: list[StoredSignal], lang: str, now: datetime) -> list[str]:
        if not signals:
            return []
        rows = [
            translate(
                N_("digest.member.row"),
                lang,
                ref=s.ref,
                category=translate(f"category.{s.category}", lang),
                postcode=s.postcode4 or "-",
                deadline=format_date(s.deadline, "EEE d MMM", locale=lang),
            )
            + digest_line(self.config, s, now, lang)
            for s in signals[:MAX_LISTED]
        ]
        more = len(signals) - MAX_LISTED
        if more > 0:
            rows.append(translate(N_("digest.member.more"), lang, count=more))
        return [translate(key, lang, count=len(signals)) + "\n" + "\n".join(rows)]

    def for_group(self, figures: TeamFigures, chat_id: int) -> Reply:
        """Counts only: a group chat may hold people who must not see a signal."""
        text = translate(
            N_("digest.group"),
            "nl",
            team=self.config.team_name(figures.team),
            open=len(figures.open),
            new=len(figures.new),
            late=len(figures.late),
        )
        return Reply(text, chat_id=chat_id)

    async def on_demand(self, ctx: ActionContext, _argument: str) -> StartFlow | None:
        """``/digest``: the digest of the member's teams now (not recorded)."""
        member = await ctx.tx.members.get(ctx.event.user_id)
        if not can_work(member):
            ctx.say(N_("team.refused"))
            return None
        assert member is not None
        teams = sorted(self.config.teams) if member.role == "coordinator" else sorted(member.teams)
        for team in teams:
            since = await self.last_sent(ctx.tx, team) or ctx.now - timedelta(days=1)
            figures = await self.figures(ctx.tx, team, since, ctx.now)
            reply = self.for_member(figures, ctx.event.chat_id, ctx.now, ctx.language)
            ctx.replies.append(Reply(reply.text, reply.buttons))
        return None
