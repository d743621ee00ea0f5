"""The database of a region after five years, for ``python -m bench.scale``.

The schema comes from the project's own migrations (:meth:`storage.Database.open`); the rows go
in through ``executemany`` inside the storage layer's transactions, each encrypted value
encrypted on its own with :class:`storage.Cipher`, as :meth:`storage.Signals.create` does. The
rows are made in chunks of consecutive signals, by worker processes when the size makes that
worth it, while the main process inserts: a chunk depends only on the seed and its number.

What the database holds is the state five years of daily use leave behind: signals spread evenly
over the retention period (ids follow time), a few hundred open per team and recent, the rest
closed with an outcome; the nightly purge has anonymised every signal closed more than the
configured period ago and deleted nothing (nothing is old enough yet). Descriptions and notes are
the labelled example messages of ``config/labelled/`` of the signal's category.
"""

from __future__ import annotations

import bisect
import json
import math
import multiprocessing
import os
import random
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot import assembly
from bot.clock import FakeClock
from bot.config import Config, load_config
from bot.domain import CATEGORIES, Postcode
from bot.engine import Event, EventKind
from bot.i18n import Catalogs, setup, translate
from bot.intake import TEAM_LANGUAGE
from bot.language import Language, read_labelled, training_files
from bot.team import OUTCOMES
from bot.workdays import deadline_for, is_working_day
from storage import Cipher, Database, migrations, to_db_time

# Bump when the rows made change: a cached database of another generator is built again.
GENERATOR = 3
SEED = 2026
CHUNK = 10_000  # signals per chunk (one transaction, one task for a worker)
PARALLEL_FROM = 50_000  # below this many signals the rows are made in this process
OPEN_PER_TEAM = 300
MEMBERS_PER_TEAM = 8
COORDINATORS = 2
RESIDENT_CHAT_BASE = 5_000_000_000  # Telegram ids of residents: this plus their person id
MEMBER_CHAT_BASE = 100_000
RUNNING_CONVERSATIONS = 50

CATEGORY_WEIGHTS = {
    "eenzaamheid": 20,
    "zorgmijding": 10,
    "geldzorgen": 15,
    "verwaarlozing": 8,
    "mantelzorg": 10,
    "geheugen": 8,
    "psychisch": 10,
    "opvoeding": 7,
    "overlast": 7,
    "overig": 5,
}
OPEN_STATUSES = (("nieuw", 35), ("opgepakt", 45), ("doorgestuurd", 12), ("heropend", 8))
CHECKIN_ANSWERS = {
    "na_melding": ("beter", "hetzelfde", "slechter"),
    "na_afronding": ("ja", "nee", "weet_niet"),
}
SKIP_REASONS = ("geblokkeerd", "wil geen vragen meer", "geanonimiseerd")

SIGNAL_COLUMNS = (
    "id, ref, created_at, category, team, status, about, subject_knows, description, postcode,"
    " postcode4, anonymous, source, reporter_id, contact_method, contact_phone, deadline,"
    " route_reason, language, claimed_by, outcome, attention, closed_at, anonymised_at"
)
INSERTS = {
    "people": "INSERT INTO people (id, telegram_id, role, language, created_at, no_questions,"
    " unreachable_at) VALUES (?, ?, 'bewoner', ?, ?, ?, ?)",
    "signals": f"INSERT INTO signals ({SIGNAL_COLUMNS}) VALUES ({', '.join('?' * 24)})",
    "signal_events": "INSERT INTO signal_events (signal_id, at, actor, kind, from_status,"
    " to_status, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "consents": "INSERT INTO consents (person_id, signal_id, purpose, text_version, given,"
    " answered_at, withdrawn_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "checkins": "INSERT INTO checkins (signal_id, kind, due_at, state, reason, sent_at)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "signal_views": "INSERT INTO signal_views (signal_id, person_id, at) VALUES (?, ?, ?)",
    "conversations": "INSERT INTO conversations (chat_id, last_update_id, flow, step, ask_id,"
    " data, notice, language, updated_at) VALUES (?, ?, NULL, NULL, ?, ?, NULL, ?, ?)",
}


def schema_version() -> int:
    """The number of the newest migration: what a cached database must be at."""
    return migrations()[-1][0]


@dataclass(frozen=True)
class Member:
    person_id: int
    telegram_id: int
    name: str


@dataclass(frozen=True)
class Plan:
    """Everything a chunk needs; small and picklable, so a worker process can make chunks."""

    signals: int
    key: str
    config_path: Path
    now: datetime
    seed: int = SEED
    members: dict[str, tuple[Member, ...]] = field(default_factory=dict)
    year_first: dict[int, int] = field(default_factory=dict)

    @property
    def chunks(self) -> int:
        return (self.signals + CHUNK - 1) // CHUNK


@dataclass(frozen=True)
class Built:
    """A built (or reused) database: where it is, its key, and how long building took."""

    path: Path
    key_file: Path
    key: str
    signals: int
    seconds: float  # how long building took (when it was built, if reused)
    reused: bool
    counts: dict[str, int]


class _Maker:
    """Makes the rows of one chunk; one per process (set up once: config, texts, cipher)."""

    def __init__(self, plan: Plan) -> None:
        setup(Catalogs())
        self.plan = plan
        self.config: Config = load_config(plan.config_path)
        self.cipher = Cipher([plan.key])
        self.tz = self.config.timezone
        self.now = plan.now
        self.span = self.config.delete_closed_after
        self.start = self.now - self.span
        self.rate_per_day = plan.signals / (self.span / timedelta(days=1))
        target_open = min(OPEN_PER_TEAM * len(self.config.teams), max(plan.signals // 20, 1))
        self.tau_days = target_open / self.rate_per_day
        texts: dict[str, list[str]] = defaultdict(list)
        for row in read_labelled(training_files()):
            if row.category in CATEGORIES and not row.crisis:
                texts[row.category].append(row.text)
        self.texts = {c: texts[c] or texts["overig"] for c in CATEGORIES}
        self.all_texts = [t for c in CATEGORIES for t in texts[c]]
        self.versions = consent_versions()
        self.area_postcodes = _area_postcodes(self.config)
        self.outside = _outside_postcode(self.config)
        self.categories = list(CATEGORY_WEIGHTS)
        self.weights = list(CATEGORY_WEIGHTS.values())

    def created(self, i: int) -> datetime:
        return created_at(self.start, self.span, self.plan.signals, i)

    @lru_cache(maxsize=4096)  # noqa: B019 - one maker per process, kept for its life
    def reason(self, category: str, route: tuple[str, str, tuple[tuple[str, str], ...]]) -> str:
        """The route reason as the intake stores it (in the team's language)."""
        team, key, params = route
        values = {
            **dict(params),
            "team_name": self.config.team_name(team),
            "category": translate(f"category.{category}", TEAM_LANGUAGE),
        }
        return translate(key, TEAM_LANGUAGE, **values)

    @lru_cache(maxsize=8192)  # noqa: B019 - as above
    def deadline(self, day: date, days: int) -> str:
        moment = datetime(day.year, day.month, day.day, 12, tzinfo=self.tz)
        return deadline_for(moment, days, self.tz).isoformat()

    def description(self, rng: random.Random, category: str) -> str:
        pool = self.texts[category]
        parts = [rng.choice(pool) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        return ". ".join(p.rstrip(".") for p in parts) + "."

    def member(self, rng: random.Random, team: str) -> Member:
        return rng.choice(self.plan.members[team])

    def chunk(self, number: int) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of signals ``number * CHUNK + 1`` onwards, for every table."""
        rng = random.Random(self.plan.seed * 1_000_003 + number)
        first = number * CHUNK + 1
        last = min(self.plan.signals, first + CHUNK - 1)
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in INSERTS}
        people: list[int] = []
        conversations: dict[int, tuple[Any, ...]] = {}
        for i in range(first, last + 1):
            self.signal(rng, i, rows, people, conversations)
        rows["conversations"] = list(conversations.values())
        return rows

    def signal(
        self,
        rng: random.Random,
        i: int,
        rows: dict[str, list[tuple[Any, ...]]],
        people: list[int],
        conversations: dict[int, tuple[Any, ...]],
    ) -> None:
        encrypt = self.cipher.encrypt
        now, config = self.now, self.config
        created = self.created(i)
        local = created.astimezone(self.tz)
        ref = (
            f"{config.reference_prefix}-{local.year}-{i - self.plan.year_first[local.year] + 1:05d}"
        )
        category = rng.choices(self.categories, self.weights)[0]
        about = rng.choices(("zelf", "ander", "buurt"), (45, 45, 10))[0]
        postcode: Postcode | None = None
        draw = rng.random()
        if draw < 0.02:
            postcode = Postcode(self.outside, _letters(rng))
        elif draw < 0.87:
            digits, low, high = rng.choice(rng.choice(self.area_postcodes))
            letters = _letters(rng)
            while not low <= digits + letters <= high:
                letters = _letters(rng)
            postcode = Postcode(digits, letters)
        found = config.router.route(category, postcode)
        route = (found.team, found.reason, tuple(sorted(found.params.items())))
        team = found.team
        reason = self.reason(category, route)
        anonymous = rng.random() < 0.12
        language = "en" if rng.random() < 0.07 else "nl"
        chat_id = RESIDENT_CHAT_BASE + i
        reporter: int | None = None
        if not anonymous:
            if people and rng.random() < 0.25:
                reporter = rng.choice(people)
                chat_id = RESIDENT_CHAT_BASE + reporter
            else:
                reporter = i
                people.append(i)
                flag = rng.random()
                rows["people"].append(
                    (
                        i,
                        chat_id,
                        language,
                        to_db_time(created - timedelta(minutes=5)),
                        int(flag < 0.02),
                        to_db_time(created + timedelta(days=30)) if flag > 0.99 else None,
                    )
                )
        method: str | None = None
        phone: str | None = None
        if not anonymous:
            method = rng.choices(("chat", "telefoon", None), (55, 25, 20))[0]
            if method == "telefoon":
                phone = f"06{rng.randrange(10**8):08d}"
        days = config.categories[category].deadline_working_days
        deadline = self.deadline(local.date(), days)
        age_days = (now - created) / timedelta(days=1)
        is_open = rng.random() < math.exp(-age_days / self.tau_days)
        status = "afgerond"
        closed: datetime | None = None
        attention: str | None = None
        if is_open:
            status = rng.choices([s for s, _w in OPEN_STATUSES], [w for _s, w in OPEN_STATUSES])[0]
            if rng.random() < 0.03:
                attention = "slechter"
        else:
            closed = created + timedelta(days=rng.lognormvariate(math.log(10), 1.0))
            if closed >= now:
                closed = created + (now - created) * rng.uniform(0.2, 0.95)
            if now - closed < timedelta(days=30) and rng.random() < 0.002:
                attention = "heropen-verzoek"
        anonymised: datetime | None = None
        if closed is not None and closed < now - config.anonymise_after:
            anonymised = min(closed + config.anonymise_after + timedelta(hours=3), now)
        team_members = self.plan.members[team]
        claimer = rng.choice(team_members)
        claimed_at = created + timedelta(hours=rng.uniform(1, 72))
        if closed is not None:
            claimed_at = min(claimed_at, created + (closed - created) / 2)
        elif claimed_at >= now:
            claimed_at = created + (now - created) / 2
        claimed_by = claimer.person_id if status in ("opgepakt", "afgerond") else None
        outcome = rng.choice(OUTCOMES) if status == "afgerond" else None
        withdrawn = reporter is not None and anonymised is None and rng.random() < 0.003
        withdrawn_at = created + timedelta(days=rng.uniform(0.5, 5)) if withdrawn else None
        if withdrawn_at is not None and withdrawn_at >= now:
            withdrawn_at = created + (now - created) / 3
        had_chat = method == "chat"
        keep_contact = anonymised is None and not withdrawn
        rows["signals"].append(
            (
                i,
                ref,
                to_db_time(created),
                category,
                team,
                status,
                about,
                (rng.random() < 0.6) if about == "ander" else None,
                encrypt(self.description(rng, category)),
                encrypt(postcode.compact) if postcode and keep_contact and reporter else None,
                postcode.digits if postcode else None,
                anonymous,
                "bewoner",
                reporter if anonymised is None else None,
                method if keep_contact else None,
                encrypt(phone) if phone and keep_contact else None,
                deadline,
                reason,
                language,
                claimed_by,
                outcome,
                attention,
                to_db_time(closed) if closed is not None else None,
                to_db_time(anonymised) if anonymised is not None else None,
            )
        )
        events = rows["signal_events"]
        events.append(
            (i, to_db_time(created), "bewoner", "aangemaakt", None, "nieuw", encrypt(reason))
        )
        if status == "doorgestuurd":
            sender = self.member(rng, rng.choice(list(self.plan.members)))
            events.append(
                (
                    i,
                    to_db_time(claimed_at),
                    sender.name,
                    f"doorgestuurd:{team}",
                    "nieuw",
                    "doorgestuurd",
                    encrypt(rng.choice(self.all_texts)),
                )
            )
        if status in ("opgepakt", "afgerond", "heropend"):
            events.append(
                (i, to_db_time(claimed_at), claimer.name, "opgepakt", "nieuw", "opgepakt", None)
            )
            rows["signal_views"].append((i, claimer.person_id, to_db_time(claimed_at)))
            if rng.random() < 0.3:
                other = rng.choice(team_members)
                rows["signal_views"].append(
                    (i, other.person_id, to_db_time(claimed_at + timedelta(hours=2)))
                )
        closing = closed
        if status == "heropend":
            closing = created + (now - created) * 0.6
        if closing is not None:
            note = encrypt(rng.choice(self.texts[category])) if rng.random() < 0.5 else None
            kind = f"afgerond:{outcome or rng.choice(OUTCOMES)}"
            events.append(
                (i, to_db_time(closing), claimer.name, kind, "opgepakt", "afgerond", note)
            )
        if status == "heropend":
            reopened = to_db_time(created + (now - created) * 0.8)
            events.append((i, reopened, claimer.name, "heropend", "afgerond", "heropend", None))
        answered = to_db_time(created - timedelta(minutes=1))
        person = reporter if anonymised is None else None
        consents = rows["consents"]
        if anonymous:
            consents.append((None, i, "melden", self.versions["melden"], 0, answered, None))
            consents.append((None, i, "anoniem", self.versions["anoniem"], 1, answered, None))
        else:
            consents.append((person, i, "melden", self.versions["melden"], 1, answered, None))
            consents.append(
                (
                    person,
                    i,
                    "contact",
                    self.versions["contact"],
                    int(method is not None),
                    answered,
                    to_db_time(withdrawn_at) if withdrawn_at is not None else None,
                )
            )
            consents.append(
                (
                    person,
                    i,
                    "vrijwilliger",
                    self.versions["vrijwilliger"],
                    int(rng.random() < 0.15),
                    answered,
                    None,
                )
            )
        if withdrawn_at is not None:
            events.append(
                (i, to_db_time(withdrawn_at), "melder", "ingetrokken:contact", None, None, None)
            )
        if had_chat and reporter is not None:
            settings = config.categories[category]
            self.checkin(rng, i, "na_melding", created + settings.checkin_after_report, rows)
            if closed is not None:
                self.checkin(rng, i, "na_afronding", closed + settings.checkin_after_close, rows)
        if now - created < timedelta(days=30):
            ended = json.dumps({"sent": {"ask": 11, "ref": ref}})
            updated = min(created + timedelta(minutes=1), now)
            conversations[chat_id] = (
                chat_id,
                i,
                11,
                encrypt(ended),
                language if language != "nl" else None,
                to_db_time(updated),
            )

    def checkin(
        self,
        rng: random.Random,
        signal_id: int,
        kind: str,
        due: datetime,
        rows: dict[str, list[tuple[Any, ...]]],
    ) -> None:
        if due > self.now:
            rows["checkins"].append((signal_id, kind, to_db_time(due), "gepland", None, None))
            return
        state = rng.choices(("verstuurd", "beantwoord", "overgeslagen"), (35, 45, 20))[0]
        reason = rng.choice(SKIP_REASONS) if state == "overgeslagen" else None
        sent = to_db_time(due) if state != "overgeslagen" else None
        rows["checkins"].append((signal_id, kind, to_db_time(due), state, reason, sent))
        if state == "beantwoord":
            answer = rng.choice(CHECKIN_ANSWERS[kind])
            at = to_db_time(min(due + timedelta(hours=rng.uniform(0.1, 30)), self.now))
            rows["signal_events"].append(
                (signal_id, at, "melder", f"checkin:{answer}", None, None, None)
            )


def _letters(rng: random.Random) -> str:
    return rng.choice("ABCDEFGHJKLMNPRSTVWXZ") + rng.choice("ABCDEFGHJKLMNPRSTVWXZ")


def _area_postcodes(config: Config) -> list[list[tuple[str, str, str]]]:
    """Per team with an area, every PC4 in it with the range it falls in: (digits, low, high).
    A team is drawn first, then a postcode of its area, so the teams get alike shares."""
    found = []
    for team in config.teams.values():
        pc4s = [
            (str(digits), spec.low, spec.high)
            for spec in team.postcodes
            for digits in range(int(spec.low[:4]), int(spec.high[:4]) + 1)
        ]
        if pc4s:
            found.append(pc4s)
    return found


def _outside_postcode(config: Config) -> str:
    """A PC4 outside every team's area (routed to the intake team)."""
    owned = [r for t in config.teams.values() for r in t.postcodes]
    for digits in range(1000, 10_000):
        if not any(r.contains(f"{digits}AA") or r.contains(f"{digits}ZZ") for r in owned):
            return str(digits)
    raise RuntimeError("every postcode belongs to a team")


def consent_versions() -> dict[str, str]:
    """The text version of each consent purpose, as the report flow records it."""
    found: dict[str, str] = {}
    for flow in assembly.flows().values():
        for step in flow.steps.values():
            if step.purpose and step.version:
                found.setdefault(step.purpose, step.version)
    return found


def created_at(start: datetime, span: timedelta, signals: int, i: int) -> datetime:
    """When signal ``i`` (1-based) was made: evenly over ``span`` from ``start``, ids in order."""
    return start + span * ((i - 0.5) / signals)


_MAKER: _Maker | None = None


def _init_worker(plan: Plan) -> None:
    global _MAKER
    _MAKER = _Maker(plan)


def _make_chunk(number: int) -> dict[str, list[tuple[Any, ...]]]:
    assert _MAKER is not None
    return _MAKER.chunk(number)


def plan_for(signals: int, key: str, config_path: Path, now: datetime) -> Plan:
    """The plan of a database of ``signals`` signals as of ``now``."""
    config = load_config(config_path)
    start = now - config.delete_closed_after
    span = config.delete_closed_after
    # Residents' person ids are the ids of their first signals; members come after them.
    members = {
        team: tuple(
            Member(
                person_id=signals + t * MEMBERS_PER_TEAM + j + 1,
                telegram_id=MEMBER_CHAT_BASE + t * MEMBERS_PER_TEAM + j,
                name=f"{team}-{j + 1}",
            )
            for j in range(MEMBERS_PER_TEAM)
        )
        for t, team in enumerate(config.teams)
    }

    def year(i: int) -> int:
        return created_at(start, span, signals, i).astimezone(config.timezone).year

    first_year, last_year = year(1), year(signals)
    year_first = {
        y: bisect.bisect_left(range(1, signals + 1), y, key=year) + 1
        for y in range(first_year, last_year + 1)
    }
    return Plan(signals, key, config_path, now, members=members, year_first=year_first)


async def _insert(db: Database, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    async with db.transaction() as tx:
        for table, sql in INSERTS.items():
            if rows.get(table):
                await tx.write_many(sql, rows[table])


async def _team_side(db: Database, plan: Plan, config: Config) -> None:
    """Team members with their used invites, coordinators."""
    now = plan.now
    joined = to_db_time(now - config.delete_closed_after - timedelta(days=30))
    people: list[tuple[int, int, str, str, str, str]] = []
    memberships: list[tuple[int, str, str]] = []
    invites: list[tuple[str, str, str | None, int]] = []
    for team, found in plan.members.items():
        for m in found:
            people.append((m.person_id, m.telegram_id, "teamlid", "nl", joined, m.name))
            memberships.append((m.person_id, team, "teamlid"))
            invites.append((f"bench-{m.person_id}", "teamlid", team, m.person_id))
    base = max(m.person_id for found in plan.members.values() for m in found)
    for c in range(COORDINATORS):
        person_id = base + c + 1
        telegram_id = MEMBER_CHAT_BASE + 9_000 + c
        people.append((person_id, telegram_id, "coordinator", "nl", joined, f"coordinator-{c + 1}"))
        invites.append((f"bench-{person_id}", "coordinator", None, person_id))
    async with db.transaction() as tx:
        await tx.write_many(
            "INSERT INTO people (id, telegram_id, role, language, created_at, display_name)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            people,
        )
        await tx.write_many(
            "INSERT INTO memberships (person_id, team, role) VALUES (?, ?, ?)", memberships
        )
        await tx.write_many(
            "INSERT INTO invites (code, role, team, created_at, expires_at, used_at, used_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(code, role, team, joined, joined, joined, pid) for code, role, team, pid in invites],
        )


async def _history(db: Database, plan: Plan, config: Config) -> None:
    """The reference counters, the digests sent on every working day before today and a
    purge run every night."""
    start = plan.now - config.delete_closed_after
    today = plan.now.astimezone(config.timezone).date()
    digests: list[tuple[str, str, str]] = []
    runs: list[tuple[str, int, int, int]] = []
    day = start.astimezone(config.timezone).date()
    rng = random.Random(plan.seed)
    while day < today:
        night = datetime(day.year, day.month, day.day, 3, tzinfo=config.timezone)
        runs.append((to_db_time(night), rng.randrange(0, 400), 0, rng.randrange(0, 40)))
        if is_working_day(day):
            sent = datetime.combine(day, config.digest_time, tzinfo=config.timezone)
            digests.extend((team, day.isoformat(), to_db_time(sent)) for team in config.teams)
        day += timedelta(days=1)
    years = sorted(plan.year_first)
    counters = []
    for n, year in enumerate(years):
        following = plan.year_first[years[n + 1]] if n + 1 < len(years) else plan.signals + 1
        counters.append((year, following - plan.year_first[year]))
    async with db.transaction() as tx:
        await tx.write_many("INSERT INTO digests (team, day, sent_at) VALUES (?, ?, ?)", digests)
        await tx.write_many(
            "INSERT INTO purge_runs (at, anonymised, deleted, conversations) VALUES (?, ?, ?, ?)",
            runs,
        )
        await tx.write_many("INSERT INTO reference_counters (year, last) VALUES (?, ?)", counters)


async def _running(db: Database, config: Config, now: datetime) -> None:
    """Residents in the middle of a report, left there through the engine itself."""
    clock = FakeClock(now - timedelta(hours=2))
    engine = assembly.build_engine(db, config, clock, language=Language.load(model=False))
    for n in range(RUNNING_CONVERSATIONS):
        chat = RESIDENT_CHAT_BASE - 1 - n
        replies = await engine.handle(Event(chat, chat, EventKind.COMMAND, "/start", 1))
        buttons = [b for r in replies for b in r.buttons]
        if buttons:
            await engine.handle(Event(chat, chat, EventKind.BUTTON, buttons[0].data, 2))
        clock.advance(timedelta(minutes=1))


async def build(
    path: Path,
    signals: int,
    config_path: Path,
    now: datetime,
    key: str,
    workers: int | None = None,
) -> float:
    """Build the database at ``path``, encrypted with ``key``; the seconds it took."""
    began = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    for leftover in _files_of(partial):
        leftover.unlink(missing_ok=True)
    config = load_config(config_path)
    plan = plan_for(signals, key, config_path, now)
    db = await Database.open(partial, cipher=Cipher([key]))
    try:
        # Building only: a crash leaves a partial file that is thrown away anyway, and a
        # larger page cache keeps the indexes in memory. The file itself is as in use.
        await db.connection.execute("PRAGMA synchronous = OFF")
        await db.connection.execute("PRAGMA cache_size = -1000000")
        await db.connection.execute("PRAGMA secure_delete = OFF")
        await _team_side(db, plan, config)
        count = workers if workers is not None else (2 if signals >= PARALLEL_FROM else 0)
        if count:
            await _insert_parallel(db, plan, count)
        else:
            maker = _Maker(plan)
            for number in range(plan.chunks):
                await _insert(db, maker.chunk(number))
        await _history(db, plan, config)
        await _running(db, config, now)
        await db.connection.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        await db.close()
    os.replace(partial, path)
    return time.perf_counter() - began


async def _insert_parallel(db: Database, plan: Plan, workers: int) -> None:
    """Chunks made by ``workers`` processes, a few ahead, inserted in order here."""
    context = multiprocessing.get_context("spawn")
    ahead = workers * 2
    with context.Pool(workers, initializer=_init_worker, initargs=(plan,)) as pool:
        pending = [pool.apply_async(_make_chunk, (n,)) for n in range(min(ahead, plan.chunks))]
        submitted = len(pending)
        for _number in range(plan.chunks):
            rows = pending.pop(0).get()
            if submitted < plan.chunks:
                pending.append(pool.apply_async(_make_chunk, (submitted,)))
                submitted += 1
            await _insert(db, rows)


def _files_of(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def cached(path: Path, key_file: Path, info_file: Path, signals: int) -> bool:
    """Whether the database at ``path`` was built by this generator for ``signals`` signals
    and is at the newest schema."""
    if not (path.is_file() and key_file.is_file() and info_file.is_file()):
        return False
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
    except (OSError, ValueError, sqlite3.Error):
        return False
    wanted = {"signals": signals, "generator": GENERATOR, "schema": schema_version()}
    same = all(info.get(k) == v for k, v in wanted.items())
    return bool(same and version == schema_version())


def counts(path: Path) -> dict[str, int]:
    """How many rows the main tables hold."""
    tables = ("signals", "signal_events", "consents", "people", "checkins", "signal_views")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        found = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        found["open"] = conn.execute(
            "SELECT count(*) FROM signals WHERE status != 'afgerond' OR attention IS NOT NULL"
        ).fetchone()[0]
        found["anonymised"] = conn.execute(
            "SELECT count(*) FROM signals WHERE anonymised_at IS NOT NULL"
        ).fetchone()[0]
    found["bytes"] = path.stat().st_size
    return found


async def ensure(folder: Path, signals: int, config_path: Path, now: datetime) -> Built:
    """The database of ``signals`` signals in ``folder``: reused when cached, else built."""
    folder.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - before any work
    path = folder / f"bench-scale-{signals}.db"
    key_file = folder / f"bench-scale-{signals}.key"
    info_file = folder / f"bench-scale-{signals}.json"
    reused = cached(path, key_file, info_file, signals)
    if not reused:
        for stale in (*_files_of(path), key_file, info_file):
            stale.unlink(missing_ok=True)
        key = Cipher.generate()
        seconds = await build(path, signals, config_path, now, key)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fp:
            fp.write(key + "\n")
        info: dict[str, float] = {"signals": signals, "generator": GENERATOR}
        info.update(schema=schema_version(), seconds=round(seconds, 1))
        info_file.write_text(json.dumps(info), encoding="utf-8")
    key = key_file.read_text(encoding="ascii").strip()
    seconds = float(json.loads(info_file.read_text(encoding="utf-8")).get("seconds", "nan"))
    return Built(path, key_file, key, signals, seconds, reused, counts(path))


__all__ = ["Built", "Plan", "build", "cached", "consent_versions", "ensure", "schema_version"]
