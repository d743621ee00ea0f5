"""The resident's rights from the chat: see, withdraw, remove; what the team then sees."""

from __future__ import annotations

import json
from argparse import Namespace
from datetime import datetime
from pathlib import Path

import pytest

from bot import cli
from bot.checkins import Checkins
from bot.clock import FakeClock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Engine, Reply
from bot.exporting import export
from bot.rights import forget
from tests.conftest import AMS, EXAMPLE_CONFIG, TEST_KEY, Chat
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


REPLY = "Ja hoor, u mag mij bellen op 06 98765432. Ik ben Joke."
REMARK = "Mijn dochter Saskia komt nu elke week."
REMOVED_MARK = "[verwijderd op verzoek van de melder]"


async def _delivered(_reply: Reply) -> bool:
    return True


async def reporter_wrote_twice(engine: Engine, config: Config, clock: FakeClock) -> str:
    """A report with contact through the chat and a volunteer agreed, whose reporter answered
    a check-in with a remark and answered the team's message; its reference."""
    clock.set(datetime(2026, 11, 9, 10, 0, tzinfo=AMS))
    resident = Chat(engine, RESIDENT)
    await resident.command("/start")
    await resident.tap("Over mijzelf")
    await resident.say("Ik ben erg eenzaam en krijg nooit bezoek.")
    await resident.tap("Ja")
    await resident.tap("Nee")
    await resident.say("1503 AB")
    await resident.tap("Ja, dat is goed")
    await resident.tap("Via deze chat")
    await resident.tap("Ja, dat is goed")
    await resident.tap("Versturen")
    ref = resident.text.split("Uw nummer is ")[1].split(".")[0]
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    await Checkins(config).send_due(engine, _delivered)
    await resident.say("beter")
    await resident.say(REMARK)
    await member.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    await member.tap("Bericht aan melder")
    await member.say("Mogen wij u bellen?")
    replies = await member.tap("Versturen")
    resident.replies = [r for r in replies if r.chat_id == RESIDENT]
    await resident.tap("Antwoorden")
    await resident.say(REPLY)
    await member.command(f"/signaal {ref}")
    assert REPLY in member.last and REMARK in member.last, "the team read both before"
    assert (
        "Toestemming: melden (melden-2026-11), contact (contact-2026-11),"
        " vrijwilliger (vrijwilliger-2026-11)" in member.last
    )
    return ref


@pytest.mark.parametrize("via", ["chat", "letter"])
async def test_after_removal_the_team_reads_no_reply_remark_or_stale_consent(
    engine: Engine,
    config: Config,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    via: str,
) -> None:
    """/verwijderen in the chat and ``person forget`` (a request by letter) remove the same:
    under /signaal the team no longer reads the reporter's answer to its message nor their
    check-in remark (each marked as removed at their request), the consents to contact and to
    a volunteer are no longer listed as given, and the contact line says why there is none.
    The description, the consent to report and the team's own message stay."""
    ref = await reporter_wrote_twice(engine, config, clock)
    if via == "chat":
        resident = Chat(engine, RESIDENT)
        await resident.command("/verwijderen")
        await resident.tap("Ja, haal het weg")
        assert resident.last.startswith("Het is gedaan.")
    else:
        monkeypatch.setenv("WIJKSIGNAAL_KEY", TEST_KEY)
        args = Namespace(
            action="forget", config=EXAMPLE_CONFIG, db=Path(engine.db.path), user=RESIDENT
        )
        assert await cli._person(args) == 0
    member = Chat(engine, MEMBER)
    await member.command(f"/signaal {ref}")
    view = member.last
    assert REPLY not in view and "06 98765432" not in view and "Joke" not in view
    assert REMARK not in view and "Saskia" not in view
    assert view.count(REMOVED_MARK) == 2
    assert "Toestemming: melden (melden-2026-11)\n" in view
    assert "contact (contact-2026-11)" not in view and "vrijwilliger (" not in view
    assert "Contact: geen: de melder liet de eigen gegevens verwijderen" in view
    assert "Ik ben erg eenzaam" in view and "Mogen wij u bellen?" in view
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT * FROM conversations WHERE chat_id = ?", (RESIDENT,)) == []
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        notes = [e.note for e in await tx.signals.events(signal.id) if e.actor == "melder"]
    assert all(n is None for n in notes) and len(notes) >= 2
    exported = json.loads(await export(engine.db, "json", with_personal_data=True))
    assert [c["purpose"] for c in exported[0]["consent"]] == ["melden"]
    assert REPLY not in json.dumps(exported) and REMARK not in json.dumps(exported)


async def test_the_removal_question_says_what_goes_and_what_stays(engine: Engine) -> None:
    """The bot's own explanation names every part that goes, and that the report stays."""
    resident = Chat(engine, RESIDENT)
    await report(engine, resident)
    await resident.command("/verwijderen")
    text = resident.last
    for part in (
        "hoe wij u kunnen bereiken",
        "de koppeling met deze chat",
        "wat u het wijkteam later terugschreef, en uw antwoorden op de vraag hoe het gaat",
        "uw toestemming voor contact en voor een vrijwilliger",
        "uw antwoord op het aanbod in de buurt",
        "een melding die u nog aan het invullen bent",
        "Dus ook wat u in de melding schreef. Maar dan zonder koppeling met u.",
    ):
        assert part in text, part
