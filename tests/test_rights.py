"""The resident's rights from the chat: see, withdraw, remove; what the team then sees."""

from __future__ import annotations

import json
from datetime import datetime

from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine
from bot.rights import forget
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


# Every column that points at people, and the rule that keeps forgetting possible.
PERSON_RULES = {
    ("consents", "person_id"): "SET NULL",
    ("signals", "reporter_id"): "SET NULL",
    ("signals", "claimed_by"): "trigger people_forget_claims",
    ("memberships", "person_id"): "CASCADE",
    ("invites", "used_by"): "SET NULL",
    ("signal_views", "person_id"): "SET NULL",
}


async def test_every_reference_to_a_person_has_a_deliberate_rule(engine: Engine) -> None:
    """A new table pointing at people must say what happens when the person goes: the schema's
    foreign keys are listed here with their rule, and a column without one must be covered by
    a trigger. This fails for a new reference nobody thought about."""
    found: dict[tuple[str, str], str] = {}
    async with engine.db.transaction() as tx:
        tables = await tx.read("SELECT name FROM sqlite_master WHERE type = 'table'")
        triggers = {
            r[0] for r in await tx.read("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
        for (table,) in tables:
            for row in await tx.read("SELECT * FROM pragma_foreign_key_list(?)", (table,)):
                if row[2] == "people":
                    found[(table, row[3])] = row[6]
    for key, on_delete in found.items():
        rule = PERSON_RULES.get(key)
        assert rule is not None, f"{key} points at people without a rule in PERSON_RULES"
        if rule.startswith("trigger "):
            assert on_delete == "NO ACTION" and rule.split()[1] in triggers
        else:
            assert on_delete == rule, key
    assert set(found) == set(PERSON_RULES)


async def test_a_person_is_forgotten_in_every_role(engine: Engine, clock: FakeClock) -> None:
    """Resident, council member, team member (who viewed, picked up, wrote to a reporter and
    redeemed an invite), coordinator, someone with two roles and a revoked member: each is
    removed without a foreign-key error, and what they touched stays without them."""
    resident = Chat(engine, RESIDENT)
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    council = await join(engine, 510, "raadslid", "zaandam-oost", "Els")
    both = await join(engine, 520, "teamlid", "zaandam-noord", "Gijs")
    await join(engine, 520, "raadslid", "zaandam-oost", "Gijs")
    coordinator = await join(engine, 530, "coordinator", None, "Dina")
    revoked = await join(engine, 540, "teamlid", "zaandam-noord", "Henk")
    ref = await report(engine, resident)
    await report(engine, council)
    for chat in (member, both, coordinator, revoked):
        await chat.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    await member.tap("Bericht aan melder")
    await member.say("Mogen wij donderdag langskomen?")
    await member.tap("Versturen")
    async with engine.db.transaction() as tx:
        assert await tx.members.revoke(540, clock.now())
    # The revoked member removes their data from the chat: no "er ging iets mis".
    await revoked.command("/verwijderen")
    await revoked.tap("Ja, haal het weg")
    assert revoked.last.startswith("Het is gedaan.")
    for telegram_id in (RESIDENT, MEMBER, 510, 520, 530):
        async with engine.db.transaction() as tx:
            await forget(tx, telegram_id, clock.now())
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT telegram_id FROM people") == []
        assert await tx.read("PRAGMA foreign_key_check") == []
        signal = await tx.signals.by_ref(ref)
        assert signal is not None and signal.claimed_by is None and signal.status == "opgepakt"
        assert (
            len(await tx.read("SELECT * FROM signal_views WHERE person_id IS NULL")) == 5
        )  # Anna twice
        assert await tx.read("SELECT * FROM invites WHERE used_by IS NOT NULL") == []
        assert len(await tx.read("SELECT * FROM invites WHERE used_at IS NOT NULL")) == 6
        assert await tx.read("SELECT * FROM memberships") == []
        assert len(await tx.read("SELECT * FROM signals")) == 2
