"""What the team sees of the offer: under /signaal and in the digest, for open signals; and
what is kept with a signal, for as long as the signal."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine
from bot.retention import purge_by_config
from tests.conftest import AMS, Chat
from tests.test_offer_desk import close_collectively, offers_of
from tests.test_team import claim_and_close, join, report

RESIDENT, MEMBER = 42, 500
SERVING = (
    "Aanbod in de buurt: Koffieochtend (di 24 nov 10:00); Wandelgroep Samen op pad"
    " (do 26 nov 10:00)"
)


async def test_the_signal_shows_what_serves_it_and_what_the_reporter_said(
    engine: Engine,
) -> None:
    """/signaal shows the activities serving an open signal, what was offered and the reporter's
    answer."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    resident = Chat(engine, RESIDENT)
    ref = await report(engine, resident)
    await member.command(f"/signaal {ref}")
    assert SERVING in member.last
    assert (
        "Na de melding aangeboden: Koffieochtend; Wandelgroep Samen op pad. Bespreken met de"
        " melder: geen antwoord." in member.last
    )
    await resident.tap("Ja, graag")
    await member.command(f"/signaal {ref}")
    assert "Bespreken met de melder: ja." in member.last


async def test_a_closed_signal_shows_no_activities_serving_it(engine: Engine) -> None:
    """A closed signal lists no activities any more, but keeps what was offered in its history."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await report(engine, Chat(engine, RESIDENT))
    await claim_and_close(member, ref)
    await member.command(f"/signaal {ref}")
    assert "Aanbod in de buurt" not in member.last
    assert "Na de melding aangeboden" in member.last, "what was offered stays in its history"


async def test_the_digest_names_at_most_two_activities_per_listed_signal(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Matched on the plain PC4 and the category: 1503 serves the same two as 1503 AB."""
    await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await report(engine, Chat(engine, RESIDENT))
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=AMS))
    (digest,) = await Digests(config).send_due(engine.db, clock.now())
    row = next(line for line in digest.text.splitlines() if line.startswith(f"- {ref}"))
    following = digest.text.splitlines()[digest.text.splitlines().index(row) + 1]
    assert following == (
        "  aanbod: Koffieochtend (di 24 nov 10:00); Wandelgroep Samen op pad (do 26 nov 10:00)"
    )


async def test_what_is_kept_with_a_signal_goes_with_it(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    """Retention deletes the offer rows with the signal; forgetting the reporter removes their
    answers but keeps what the team chose at closing."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    resident = Chat(engine, RESIDENT)
    ref = await report(engine, resident)
    await resident.tap("Ja, graag")
    await close_collectively(member, ref)
    await member.tap("Koffieochtend")
    await member.tap("Geen notitie")
    await resident.command("/mijngegevens")
    document = resident.replies[0].document
    assert document is not None and b'"activity": "Koffieochtend"' in document[1]
    await resident.command("/verwijderen")
    await resident.tap("Ja, haal het weg")
    assert await offers_of(engine) == [("afronding", "koffie-de-kolk", None)]
    clock.advance(timedelta(days=1826))
    result = await purge_by_config(engine.db, config, clock.now())
    assert result.deleted == 1
    assert await offers_of(engine) == []
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT count(*) FROM signal_offers") == [(0,)]
