"""Client experience, logged by council members who adopted a team, reported per quarter.

A council member (``raadslid``) logs with ``/ervaring`` how a client experienced the team's
support: the ten statements of the Wmo client-experience survey (docs/glossary.md) and two open
answers, cleaned of names, numbers and addresses before storing. No client is identified.
``/rapport`` and ``wijksignaal report feedback`` show per team and quarter the number of logs
and, per statement, the share that agrees, with the change against the previous quarter; a
figure from fewer than five answers is never shown, and the open answers only to the team and
coordinators, only from five logs on, in random order.
"""

from __future__ import annotations

import io
import json
import random
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.config import Config
from bot.engine import Action, ActionContext, Reply, Service, StartFlow
from bot.i18n import N_, _, translate
from bot.quarters import previous_quarter, quarter_of
from bot.redaction import clean_open_answer
from storage import Tx, to_db_time

STATEMENTS = range(1, 11)
AGREE = frozenset({"mee_eens", "helemaal_mee_eens"})
NOT_COUNTED = frozenset({"weet_niet", "overslaan"})
MIN_ANSWERS = 5
MAX_TEAMS_AT_ONCE = 3
OPEN_FIELDS = ("went_well", "better")


def month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Share:
    """One statement in one quarter: how many answered (counted), and the share that agrees."""

    statement: int
    answers: int
    share: float | None  # None: fewer than MIN_ANSWERS, not shown

    @property
    def shown(self) -> bool:
        return self.share is not None


@dataclass(frozen=True)
class QuarterReport:
    team: str
    quarter: str
    logs: int
    shares: dict[int, Share]
    previous: dict[int, Share]
    open_answers: list[str]


def shares_of(rows: list[dict[str, str]]) -> dict[int, Share]:
    shares = {}
    for n in STATEMENTS:
        given = [r.get(str(n), "overslaan") for r in rows]
        counted = [a for a in given if a not in NOT_COUNTED]
        positive = AGREE | {"ja"}
        agree = sum(1 for a in counted if a in positive)
        share = agree / len(counted) if len(counted) >= MIN_ANSWERS else None
        shares[n] = Share(n, len(counted), share)
    return shares


async def quarter_report(
    tx: Tx, team: str, quarter: str, *, with_open_answers: bool
) -> QuarterReport:
    rows = await tx.read(
        "SELECT answers, went_well, could_be_better FROM feedback WHERE team = ? AND quarter = ?",
        (team, quarter),
    )
    earlier = await tx.read(
        "SELECT answers FROM feedback WHERE team = ? AND quarter = ?",
        (team, previous_quarter(quarter)),
    )
    opens: list[str] = []
    if with_open_answers and len(rows) >= MIN_ANSWERS:
        for _answers, well, better in rows:
            for token in (well, better):
                text = tx.cipher.decrypt(token)
                if text:
                    opens.append(text)
        random.SystemRandom().shuffle(opens)
    return QuarterReport(
        team,
        quarter,
        len(rows),
        shares_of([json.loads(r[0]) for r in rows]),
        shares_of([json.loads(r[0]) for r in earlier]),
        opens,
    )


def report_text(report: QuarterReport, config: Config, lang: str) -> str:
    lines = [
        translate(
            N_("feedback.report.head"),
            lang,
            team=config.team_name(report.team),
            quarter=report.quarter,
            logs=report.logs,
        )
    ]
    for n in STATEMENTS:
        share = report.shares[n]
        statement = translate(f"feedback.statement.{n}", lang)
        if not share.shown:
            lines.append(translate(N_("feedback.report.hidden"), lang, n=n, statement=statement))
            continue
        assert share.share is not None
        change = ""
        before = report.previous[n]
        if before.share is not None:
            points = round((share.share - before.share) * 100)
            change = translate(N_("feedback.report.change"), lang, points=f"{points:+d}")
        lines.append(
            translate(
                N_("feedback.report.line"),
                lang,
                n=n,
                statement=statement,
                share=round(share.share * 100),
                answers=share.answers,
                change=change,
            )
        )
    if report.open_answers:
        lines.append(translate(N_("feedback.report.open"), lang))
        lines += [f"- {text}" for text in report.open_answers]
    return "\n".join(lines)


def report_csv(report: QuarterReport) -> str:
    out = ["team,quarter,statement,answers,share_agree"]
    for n in STATEMENTS:
        share = report.shares[n]
        value = f"{share.share:.3f}" if share.share is not None else ""
        answers = share.answers if share.shown else ""
        out.append(f"{report.team},{report.quarter},{n},{answers},{value}")
    return "\n".join(out) + "\n"


def report_chart(report: QuarterReport, config: Config, lang: str) -> bytes:
    """A horizontal bar chart (PNG) of the shown shares; rendered without a display."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    shown = [s for s in report.shares.values() if s.share is not None]
    fig, ax = plt.subplots(figsize=(8, 0.5 * max(len(shown), 1) + 1.5), dpi=100)
    title = translate(
        N_("feedback.chart.title"), lang, team=config.team_name(report.team), quarter=report.quarter
    )
    ax.set_title(title)
    if not shown:  # no empty axis: one plain sentence
        ax.axis("off")
        ax.text(0.5, 0.4, translate(N_("feedback.chart.empty"), lang), ha="center", fontsize=13)
        return _png(fig)
    labels = [f"{s.statement}" for s in shown]
    values = [round((s.share or 0) * 100) for s in shown]
    ax.barh(labels, values, color="#2a7ab0")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel(translate(N_("feedback.chart.axis"), lang))
    ax.set_ylabel(translate(N_("feedback.chart.statement"), lang))
    return _png(fig)


def _png(fig: Any) -> bytes:
    from matplotlib import pyplot as plt

    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


class Feedback:
    ACTION_NAMES = ("feedback_start", "feedback_clean", "feedback_store")

    def __init__(self, config: Config) -> None:
        self.config = config

    def service(self) -> Service:
        return Service(commands={"ervaring": self.begin, "rapport": self.report})

    def actions(self) -> dict[str, Action]:
        return {
            "feedback_start": self.start,
            "feedback_clean": self.clean,
            "feedback_store": self.store,
        }

    async def begin(self, ctx: ActionContext, _argument: str) -> StartFlow | None:
        return StartFlow("ervaring")

    async def start(self, ctx: ActionContext) -> str | None:
        """Only a council member with an adopted team logs experiences."""
        member = await ctx.tx.members.get(ctx.event.user_id)
        if member is None or not member.adopted:
            ctx.say(N_("feedback.refused"))
            return "refused"
        (team,) = sorted(member.adopted)[:1]
        ctx.vars["team"] = team
        ctx.vars["team_name"] = self.config.team_name(team)
        return None

    async def clean(self, ctx: ActionContext) -> str | None:
        """Remove names, numbers and addresses from the open answers; say what was removed."""
        removed: list[str] = []
        for field in OPEN_FIELDS:
            text = ctx.answers.get(field, "overslaan")
            if text == "overslaan":
                ctx.vars[field] = "-"
                continue
            cleaned, found = clean_open_answer(text, _(N_("redaction.removed")))
            ctx.answers[field] = cleaned
            ctx.vars[field] = cleaned
            removed += [f.text for f in found]
        if removed:
            ctx.say(N_("feedback.removed"), removed=", ".join(removed))
        given = [
            ctx.answers.get(f"s{n}") for n in STATEMENTS if ctx.answers.get(f"s{n}") != "overslaan"
        ]
        ctx.vars["answered"] = len(given)
        return None

    async def store(self, ctx: ActionContext) -> str | None:
        month = month_back(
            ctx.now.astimezone(self.config.timezone).date(), int(ctx.answers["month"])
        )
        answers = {str(n): ctx.answers.get(f"s{n}", "overslaan") for n in STATEMENTS}
        opens = [
            None if ctx.answers.get(f) in (None, "overslaan") else ctx.answers[f]
            for f in OPEN_FIELDS
        ]
        await ctx.tx.write(
            "INSERT INTO feedback (team, quarter, month, contact_kind, answers, went_well,"
            " could_be_better, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ctx.vars["team"],
                quarter_of(month),
                month.strftime("%Y-%m"),
                ctx.answers["kind"],
                json.dumps(answers),
                ctx.tx.cipher.encrypt(opens[0]),
                ctx.tx.cipher.encrypt(opens[1]),
                to_db_time(ctx.now),
            ),
        )
        ctx.vars["quarter"] = quarter_of(month)
        return None

    async def report(self, ctx: ActionContext, argument: str) -> StartFlow | None:
        """``/rapport [team] [2026Q4]`` for council members, team members and coordinators."""
        member = await ctx.tx.members.get(ctx.event.user_id)
        if member is None:
            ctx.say(N_("feedback.report.refused"))
            return None
        words = argument.split()
        quarters = [w.upper() for w in words if re.fullmatch(r"20[0-9]{2}[Qq][1-4]", w)]
        today = ctx.now.astimezone(self.config.timezone).date()
        quarter = quarters[0] if quarters else quarter_of(today)
        unknown = [w for w in words if w.upper() not in quarters and w not in self.config.teams]
        allowed = (
            set(self.config.teams)
            if member.role == "coordinator"
            else member.teams | member.adopted
        )
        asked = [w for w in words if w in self.config.teams]
        teams = [t for t in asked if t in allowed] if asked else sorted(allowed)
        if not teams:
            ctx.say(N_("feedback.report.refused"))
            return None
        if unknown or len(teams) > MAX_TEAMS_AT_ONCE:
            ctx.say(N_("feedback.report.which"), teams=", ".join(teams))
            return None
        for team in teams:
            # Open answers only for the teams one works in; a council member sees the counts.
            with_open = member.role == "coordinator" or team in member.teams
            report = await quarter_report(ctx.tx, team, quarter, with_open_answers=with_open)
            ctx.replies.append(
                Reply(
                    report_text(report, self.config, ctx.language),
                    photo=report_chart(report, self.config, ctx.language),
                )
            )
        return None
