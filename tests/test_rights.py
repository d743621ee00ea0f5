"""The resident's rights from the chat: see, withdraw, remove; what the team then sees."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine
from tests.conftest import AMS, Chat
from tests.test_team import join, report

RESIDENT, MEMBER = 42, 500


async def test_nothing_held_says_so(chat: Chat) -> None:
    await chat.command("/mijngegevens")
    assert chat.last == "Wij hebben geen gegevens van u."


async def test_my_data_shows_a_summary_and_sends_the_json(engine: Engine) -> None:
    resident = Chat(engine, RESIDENT)
    ref = await report(engine, resident)
    await resident.command("/mijngegevens")
    (reply,) = resident.replies
    assert f"{ref}, gemeld op 23 november 2026" in reply.text
    assert "Uw toestemming: Uw melding bewaren en doorgeven, Contact met u opnemen" in reply.text
    assert reply.document is not None and reply.document[0] == "mijngegevens.json"
    data = json.loads(reply.document[1])
    assert data["signals"][0]["ref"] == ref
    assert data["signals"][0]["description"].startswith("Ik ben erg eenzaam")


async def test_withdrawing_contact_stops_contact_at_once_and_the_team_hears(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    resident = Chat(engine, RESIDENT)
    ref = await report(engine, resident)
    await resident.command("/intrekken")
    assert resident.labels == ["Contact met u opnemen"]
    await resident.tap("Contact met u opnemen")
    assert resident.last.startswith("Goed. Het wijkteam neemt geen contact meer met u op.")
    await member.command(f"/signaal {ref}")
    assert "Contact: geen contact gewenst" in member.last
    replies = await member.tap("Oppakken")
    assert all(r.chat_id is None for r in replies), "no message to the reporter any more"
    clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=AMS))
    digests = await Digests(config).send_due(engine.db, clock.now())
    assert f"toestemming in of liet gegevens weghalen: {ref}" in digests[0].text
    await resident.command("/intrekken")
    assert "geen toestemming die u kunt intrekken" in resident.last


async def test_removing_my_data_asks_first_then_unlinks_everything(engine: Engine) -> None:
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    resident = Chat(engine, RESIDENT)
    ref = await report(engine, resident)
    await resident.command("/verwijderen")
    assert "Meldingen die al bij het wijkteam zijn, blijven daar." in resident.last
    await resident.tap("Nee, laat alles staan")
    assert resident.last == "Goed. Er is niets veranderd."
    await resident.command("/verwijderen")
    await resident.tap("Ja, haal het weg")
    assert resident.last.startswith("Het is gedaan.")
    async with engine.db.transaction() as tx:
        assert await tx.people.get(RESIDENT) is None
        assert await tx.read("SELECT * FROM conversations WHERE chat_id = ?", (RESIDENT,)) == []
        signal = await tx.signals.by_ref(ref)
        assert signal is not None and signal.reporter_id is None
        assert signal.contact_method is None and signal.description
        assert await tx.read("SELECT * FROM consents WHERE person_id IS NOT NULL") == []
    await member.command(f"/signaal {ref}")
    assert "Ik ben erg eenzaam" in member.last, "the signal stays with the team"
    await resident.command("/mijngegevens")
    assert resident.last == "Wij hebben geen gegevens van u."


async def test_a_member_cannot_remove_themselves_from_the_chat(engine: Engine) -> None:
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    await member.command("/verwijderen")
    assert member.last.startswith("U bent medewerker.")
