"""Property-based tests of the engine with everything the services add: whatever a person types,
taps or forges, in whatever role, the bot answers kindly, within Telegram's limits, and a
refusal changes nothing.

One small world (five members, a resident's report, a signal picked up) is built per test and
shared by its examples: the properties hold in any state the examples leave behind.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import assembly
from bot.clock import FakeClock
from bot.config import load_config
from bot.engine import Engine, Event, EventKind, Reply
from bot.i18n import Catalogs
from bot.language import Language
from storage import Cipher, Database
from tests.conftest import AMS, EXAMPLE_CONFIG, TEST_KEY, Chat
from tests.test_team import join, report

RESIDENT, MEMBER, COUNCIL, OTHER_TEAM, REVOKED, COORDINATOR, STRANGER = (
    42,
    500,
    510,
    600,
    540,
    700,
    999,
)
EVERYONE = (RESIDENT, MEMBER, COUNCIL, OTHER_TEAM, REVOKED, COORDINATOR, STRANGER)
OUTSIDERS = (OTHER_TEAM, REVOKED, STRANGER, RESIDENT)
TELEGRAM_TEXT_LIMIT = 4096  # UTF-16 code units
TELEGRAM_CALLBACK_LIMIT = 64  # bytes

PROPERTY_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class World:
    engine: Engine
    ref: str
    data: list[str]  # callback data the bot showed somebody
    update_ids: itertools.count[int]

    async def send(self, user: int, kind: EventKind, text: str) -> list[Reply]:
        event = Event(user, user, kind, text, next(self.update_ids), "Naam")
        replies = await self.engine.handle(event)
        self.data += [b.data for r in replies for b in r.buttons]
        return replies


@pytest.fixture
async def world(catalogs: Catalogs, language: Language) -> AsyncIterator[World]:
    clock = FakeClock(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    config = load_config(EXAMPLE_CONFIG)
    db = await Database.open(":memory:", cipher=Cipher([TEST_KEY]))
    engine = assembly.build_engine(db, config, clock, assembly.flows(catalogs), language=language)
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    await join(engine, COUNCIL, "raadslid", "zaandam-oost", "Els")
    await join(engine, OTHER_TEAM, "teamlid", "krommenie", "Cor")
    await join(engine, COORDINATOR, "coordinator", None, "Dina")
    await join(engine, REVOKED, "teamlid", "zaandam-noord", "Henk")
    ref = await report(engine, Chat(engine, RESIDENT))
    await member.command(f"/signaal {ref}")
    data = [b.data for r in member.replies for b in r.buttons]
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    data += [b.data for r in member.replies for b in r.buttons]
    async with engine.db.transaction() as tx:
        await tx.members.revoke(REVOKED, clock.now())
    yield World(engine, ref, data, itertools.count(10_000_000))
    await db.close()


ODD = st.sampled_from(
    [
        "²",
        "٣",
        "99999999999999999999999",
        "-1",
        "0",
        "1e9",
        "XXXXQ1",
        "2026Q9",
        "WS-2026-00001",
        "ws-9999-99999",
        "\ud800",
        "a\udfffb",
        "\x00",
        "🙂" * 2100,
        "x" * 4000,
        " ",
        "",
        "\n\n",
        "ja",
        "1",
        "mijn 999",
        "over tijd ²",
    ]
)
ANY_TEXT = st.one_of(ODD, st.text(max_size=120), st.text(st.characters(codec="utf-8"), max_size=40))
COMMANDS = st.sampled_from(
    [
        "start",
        "stop",
        "hulp",
        "help",
        "taal",
        "privacy",
        "wachtrij",
        "signaal",
        "rapport",
        "ervaring",
        "mijngegevens",
        "intrekken",
        "code",
        "antwoord",
        "bericht",
        "buurt",
        "wijkbeeld",
        "onbekend",
    ]
)
PREFIXES = st.sampled_from(
    ["a", "w", "l", "s", "v", "c", "o", "n", "q", "m", "ra", "x", "nb", "ao", "ak", "wb", ""]
)


def action(world_data: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, str]]:
    """One thing a person does: type, give a command, press a forged or a real old button."""
    return st.one_of(
        st.tuples(st.just("text"), ANY_TEXT),
        st.tuples(st.just("command"), st.builds(lambda c, a: f"/{c} {a}", COMMANDS, ANY_TEXT)),
        st.tuples(st.just("button"), st.builds(lambda p, a: f"{p}:{a}", PREFIXES, ANY_TEXT)),
        st.tuples(
            st.just("button"),
            st.builds(lambda p, n, a: f"{p}:{n}:{a}", PREFIXES, st.integers(0, 12), ANY_TEXT),
        ),
        st.tuples(st.just("button"), ANY_TEXT),
        st.tuples(st.just("real"), world_data),
    )


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def assert_kind_and_fitting(replies: list[Reply]) -> None:
    assert replies, "every input gets an answer"
    for reply in replies:
        assert reply.text.strip(), "no empty message"
        assert utf16_units(reply.text) <= TELEGRAM_TEXT_LIMIT, utf16_units(reply.text)
        assert "er ging iets mis" not in reply.text.casefold()
        for button in reply.buttons:
            assert len(button.data.encode()) <= TELEGRAM_CALLBACK_LIMIT, button.data
            assert 0 < utf16_units(button.label) <= 64


KIND = {"text": EventKind.TEXT, "command": EventKind.COMMAND, "button": EventKind.BUTTON}


@PROPERTY_SETTINGS
@given(
    who=st.sampled_from(EVERYONE),
    steps=st.lists(
        st.one_of(
            action(st.just("")),
            st.tuples(st.just("tap"), st.integers(0, 9)),
            st.tuples(st.just("twist"), st.tuples(st.integers(0, 9), ANY_TEXT)),
        ),
        min_size=1,
        max_size=8,
    ),
)
async def test_any_input_in_any_role_gets_a_kind_answer_that_fits(
    world: World, who: int, steps: list[tuple[str, Any]]
) -> None:
    """A resident, a member, a council member, a coordinator, a revoked member or a stranger
    types, commands, taps the buttons just shown or forges callback data: each step gets at
    least one answer, none empty, none an error, every text and button within Telegram's
    limits."""
    shown: list[str] = []
    for kind, value in steps:
        if kind in ("tap", "twist"):
            if not shown:
                continue
            if kind == "tap":
                kind, value = "button", shown[value % len(shown)]
            else:  # a shown button with its last part forged
                index, forged = value
                kind, value = "button", shown[index % len(shown)].rsplit(":", 1)[0] + ":" + forged
        elif kind == "real":
            kind, value = "button", value or "a:0:0"
        replies = await world.send(who, KIND[kind], value)
        assert_kind_and_fitting(replies)
        shown = [b.data for r in replies for b in r.buttons] or shown


async def snapshot(engine: Engine) -> str:
    """Everything a refusal must leave alone, as one comparable string."""
    tables = {
        "signals": "SELECT id, status, team, claimed_by, attention, contact_method FROM signals",
        "events": "SELECT id, kind FROM signal_events",
        "consents": "SELECT id, given, withdrawn_at FROM consents",
        "people": "SELECT telegram_id, role, revoked_at FROM people",
        "memberships": "SELECT person_id, team, role FROM memberships",
        "invites": "SELECT code, used_at, withdrawn_at FROM invites",
        "outbox": "SELECT id FROM outbox",
        "checkins": "SELECT id, state FROM checkins",
    }
    async with engine.db.transaction() as tx:
        return json.dumps({k: await tx.read(sql) for k, sql in tables.items()}, default=str)


TEAM_COMMANDS = st.sampled_from(
    ["wachtrij", "signaal", "rapport", "antwoord", "bericht", "wijkbeeld"]
)


@PROPERTY_SETTINGS
@given(
    who=st.sampled_from(OUTSIDERS),
    steps=st.lists(
        st.one_of(
            st.tuples(
                st.just("command"),
                st.builds(
                    lambda c, a: f"/{c} {a}", TEAM_COMMANDS, st.one_of(ANY_TEXT, st.just(""))
                ),
            ),
            st.tuples(st.just("real"), st.integers(0, 99)),
            st.tuples(
                st.just("button"),
                st.builds(
                    lambda p, a: f"{p}:{a}",
                    st.sampled_from(["v", "c", "o", "n", "q", "m", "ra", "f", "h", "wb"]),
                    ANY_TEXT,
                ),
            ),
        ),
        min_size=1,
        max_size=6,
    ),
)
async def test_a_refusal_changes_nothing(
    world: World, who: int, steps: list[tuple[str, Any]]
) -> None:
    """Someone of another team, a revoked member, a stranger or the reporter replays the
    team's real buttons, forges others and gives team commands with any argument: every step
    is answered, and no signal, event, consent, role, invite, check-in or message changes."""
    before = await snapshot(world.engine)
    for kind, value in steps:
        if kind == "real":
            kind, value = "button", world.data[value % len(world.data)]
        replies = await world.send(who, KIND[kind], value)
        assert_kind_and_fitting(replies)
    assert await snapshot(world.engine) == before
