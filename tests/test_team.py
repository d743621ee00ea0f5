"""The team side through the engine: invites, the queue, a signal, status changes and access,
as a member, a member of another team, a revoked member, a coordinator and a resident."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine, Event, EventKind
from bot.team import TRANSITIONS, allowed, create_invite, new_code
from tests.conftest import Chat

RESIDENT, MEMBER, COLLEAGUE, OTHER_TEAM, COORDINATOR = 42, 500, 501, 600, 700


async def invite(engine: Engine, role: str, team: str | None) -> str:
    async with engine.db.transaction() as tx:
        return await create_invite(tx, engine.config, role, team, engine.clock.now())


async def join(engine: Engine, chat_id: int, role: str, team: str | None, name: str) -> Chat:
    chat = Chat(engine, chat_id)
    code = await invite(engine, role, team)
    chat.replies = await engine.handle(
        Event(chat_id, chat_id, EventKind.COMMAND, f"/start {code}", None, name)
    )
    return chat


async def report(
    engine: Engine, chat: Chat, postcode: str = "1503 AB", contact: str = "Via deze chat"
) -> str:
    """A resident's report routed to Zaandam-Noord; its reference."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik ben erg eenzaam en krijg nooit bezoek.")
    await chat.tap("Ja")
    await chat.tap("Nee")
    await chat.say(postcode)
    await chat.tap("Ja, dat is goed")
    await chat.tap(contact)
    await chat.tap("Nee, liever niet")
    await chat.tap("Versturen")
    ref = chat.text.split("Uw nummer is ")[1].split(".")[0]
    return ref


async def claim_and_close(member: Chat, ref: str, outcome: str = "Contact gelegd") -> None:
    """A member picks a signal up and closes it with ``outcome`` and no note."""
    await member.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    await member.tap("Afronden")
    await member.tap(outcome)
    await member.tap("Geen notitie")


@pytest.fixture
async def team(engine: Engine) -> dict[str, Chat]:
    return {
        "resident": Chat(engine, RESIDENT),
        "member": await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna"),
        "colleague": await join(engine, COLLEAGUE, "teamlid", "zaandam-noord", "Bram"),
        "other": await join(engine, OTHER_TEAM, "teamlid", "krommenie", "Cor"),
        "coordinator": await join(engine, COORDINATOR, "coordinator", None, "Dina"),
    }


async def test_an_invite_says_what_the_person_can_do_and_works_once(engine: Engine) -> None:
    code = await invite(engine, "teamlid", "zaandam-noord")
    first = Chat(engine, 900)
    await first.command(f"/code {code}")
    assert first.last.startswith("Welkom bij Sociaal wijkteam Zaandam-Noord.")
    assert "/wachtrij" in first.last
    second = Chat(engine, 901)
    await second.command(f"/start {code}")
    assert "werkt niet" in second.last
    await second.command("/wachtrij")
    assert second.last == "Dit is alleen voor medewerkers van het wijkteam."


async def test_an_expired_invite_is_refused(
    engine: Engine, clock: FakeClock, config: Config
) -> None:
    code = await invite(engine, "coordinator", None)
    clock.advance(config.invite_valid_for + timedelta(minutes=1))
    chat = Chat(engine, 902)
    await chat.command(f"/start {code}")
    assert "werkt niet" in chat.last


async def test_roles_add_up_and_a_code_never_lowers_one(engine: Engine, clock: FakeClock) -> None:
    """A team member of one team becomes council member of another and keeps both; a council
    code for their own team, or any code for a coordinator, changes nothing and stays unused."""
    gijs = await join(engine, 520, "teamlid", "zaandam-noord", "Gijs")
    await join(engine, 520, "raadslid", "zaandam-oost", "Gijs")
    async with engine.db.transaction() as tx:
        member = await tx.members.get(520)
    assert member is not None and member.role == "teamlid"
    assert member.teams == {"zaandam-noord"} and member.adopted == {"zaandam-oost"}
    await gijs.command("/wachtrij")
    assert "Dit is alleen voor medewerkers" not in gijs.last
    await gijs.command("/ervaring")
    assert gijs.last.startswith("Heeft de cliënt goedgevonden"), "the council side works too"
    await gijs.command("/stop")
    own_council = await invite(engine, "raadslid", "zaandam-noord")
    await gijs.command(f"/start {own_council}")
    assert gijs.last.startswith(
        "U bent al teamlid van Sociaal wijkteam Zaandam-Noord en raadslid van Sociaal wijkteam"
        " Zaandam-Oost. Deze code verandert daar niets aan."
    )
    dina = await join(engine, 700, "coordinator", None, "Dina")
    team_code = await invite(engine, "teamlid", "krommenie")
    await dina.command(f"/start {team_code}")
    assert dina.last.startswith("U bent al coördinator.")
    async with engine.db.transaction() as tx:
        still = await tx.members.get(700)
        unused = [await tx.members.invite(c) for c in (own_council, team_code)]
    assert still is not None and still.role == "coordinator"
    assert all(i is not None and i.used_at is None for i in unused)
    await join(engine, 530, "raadslid", "krommenie", "Ina")
    promoted = await join(engine, 530, "teamlid", "krommenie", "Ina")
    assert promoted.last.startswith("Welkom bij Sociaal wijkteam Krommenie.")


async def test_three_wrong_codes_in_a_minute_pause_the_account(
    engine: Engine, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Guessing stops: after three wrong codes within a minute even a right code waits ten
    minutes (logged once), another account is not held up, and after the pause it works."""
    guesser = Chat(engine, 910)
    for guess in ("aaaa", "bbbb"):
        await guesser.command(f"/start {guess}")
        assert "werkt niet" in guesser.last
    clock.advance(timedelta(seconds=30))
    await guesser.command("/start cccc")
    assert "werkt niet" in guesser.last
    assert "3 wrong within a minute" in caplog.text
    code = await invite(engine, "teamlid", "zaandam-noord")
    await guesser.command(f"/start {code}")
    assert guesser.last.startswith("U heeft te vaak een verkeerde code gestuurd.")
    other = Chat(engine, 911)
    await other.command("/start dddd")
    assert "werkt niet" in other.last
    clock.advance(timedelta(minutes=10))
    await guesser.command(f"/start {code}")
    assert guesser.last.startswith("Welkom bij Sociaal wijkteam Zaandam-Noord.")


async def test_slow_wrong_codes_are_not_paused(engine: Engine, clock: FakeClock) -> None:
    """A person who mistypes now and then is never paused: three wrong codes over three
    minutes are three plain refusals."""
    chat = Chat(engine, 912)
    for guess in ("aaaa", "bbbb", "cccc", "dddd"):
        await chat.command(f"/start {guess}")
        assert "werkt niet" in chat.last
        clock.advance(timedelta(seconds=61))


async def test_a_revoked_member_cannot_use_a_code_made_before(
    engine: Engine, clock: FakeClock
) -> None:
    """Revoking takes the member's unused codes with it: a second code they were sent earlier
    does not bring them back; a code made after the revocation does."""
    spare = await invite(engine, "teamlid", "krommenie")
    henk = await join(engine, 540, "teamlid", "zaandam-noord", "Henk")
    clock.advance(timedelta(minutes=1))
    async with engine.db.transaction() as tx:
        assert await tx.members.revoke(540, clock.now())
    await henk.command(f"/start {spare}")
    assert "werkt niet" in henk.last
    clock.advance(timedelta(minutes=1))
    fresh = await invite(engine, "teamlid", "krommenie")
    await henk.command(f"/start {fresh}")
    assert henk.last.startswith("Welkom bij Sociaal wijkteam Krommenie.")
    newcomer = Chat(engine, 541)
    await newcomer.command(f"/start {spare}")
    assert newcomer.last.startswith("Welkom bij"), "someone else's code still works"


def test_the_transitions_table() -> None:
    """The glossary: nieuw → opgepakt → afgerond; doorgestuurd from open; afgerond → heropend."""
    assert allowed("nieuw", "opgepakt") and allowed("heropend", "opgepakt")
    assert allowed("opgepakt", "afgerond") and not allowed("nieuw", "afgerond")
    assert not allowed("afgerond", "afgerond"), "closing twice"
    assert not allowed("opgepakt", "opgepakt")
    assert all(
        allowed(s, "doorgestuurd") for s in ("nieuw", "opgepakt", "heropend", "doorgestuurd")
    )
    assert not allowed("afgerond", "doorgestuurd")
    assert allowed("afgerond", "heropend") and not allowed("nieuw", "heropend")
    assert set(TRANSITIONS) == {"opgepakt", "afgerond", "doorgestuurd", "heropend"}


async def test_the_queue_shows_the_teams_open_signals_most_urgent_first(
    engine: Engine, team: dict[str, Chat], clock: FakeClock
) -> None:
    first = await report(engine, team["resident"])
    clock.advance(timedelta(days=9))  # the first is now over its deadline
    second = await report(engine, Chat(engine, 43), postcode="1504")
    await team["member"].command("/wachtrij")
    text = team["member"].last
    assert text.startswith("Open signalen: 2.")
    assert text.index(first) < text.index(second)
    assert "over tijd" in text.split(second)[0]
    assert "Eenzaamheid · 1503 · Sociaal wijkteam Zaandam-Noord" in text
    assert "\nIk ben erg eenzaam en krijg nooit bezoek.\n" in text  # the first words
    assert team["member"].labels == [f"Bekijk {first}", f"Bekijk {second}"]
    await team["other"].command("/wachtrij")
    assert team["other"].last == "Er zijn geen open signalen. Mooi zo."
    await team["coordinator"].command("/wachtrij")
    assert "Open signalen: 2." in team["coordinator"].last


async def test_long_queues_are_paged(engine: Engine, team: dict[str, Chat]) -> None:
    for n in range(7):
        await report(engine, Chat(engine, 1000 + n))
    await team["member"].command("/wachtrij")
    assert "Pagina 1 van 2" in team["member"].last
    assert team["member"].labels[-1] == "Volgende"
    await team["member"].tap("Volgende")
    assert "Pagina 2 van 2" in team["member"].last
    assert len([b for b in team["member"].labels if b.startswith("Bekijk")]) == 2


async def test_the_queue_filters_mine_new_late_category_and_pc4(
    engine: Engine, team: dict[str, Chat], clock: FakeClock
) -> None:
    """/wachtrij mijn | nieuw | over tijd | a category | a PC4; paging keeps the filter; an
    unknown filter is one plain line with the choices."""
    late = await report(engine, team["resident"])
    clock.advance(timedelta(days=9))
    other_pc4 = await report(engine, Chat(engine, 43), postcode="1504")
    mine = await report(engine, Chat(engine, 44))
    member = team["member"]
    await member.command(f"/signaal {mine}")
    await member.tap("Oppakken")

    async def refs(argument: str) -> list[str]:
        await member.command(f"/wachtrij {argument}".strip())
        return [label.removeprefix("Bekijk ") for label in member.labels if "Bekijk" in label]

    assert await refs("mijn") == [mine]
    assert set(await refs("nieuw")) == {late, other_pc4}
    assert await refs("over tijd") == [late]
    assert await refs("1504") == [other_pc4]
    assert set(await refs("eenzaamheid")) == {late, other_pc4, mine}
    assert await refs("geldzorgen") == []
    assert member.last == "Geen open signalen met dit filter."
    await member.command("/wachtrij 1504")
    assert "\nFilter: 1504\n" in member.last
    await member.command("/wachtrij vliegen")
    assert member.last.startswith("Dat filter ken ik niet: 'vliegen'. U kunt kiezen uit: mijn")


async def test_paging_keeps_the_filter(engine: Engine, team: dict[str, Chat]) -> None:
    for n in range(7):
        await report(engine, Chat(engine, 1000 + n))
    await report(engine, Chat(engine, 2000), postcode="1504")
    member = team["member"]
    await member.command("/wachtrij 1503")
    assert "Open signalen: 7." in member.last and "Pagina 1 van 2" in member.last
    await member.tap("Volgende")
    assert "Pagina 2 van 2" in member.last and "Filter: 1503" in member.last
    assert len([b for b in member.labels if b.startswith("Bekijk")]) == 2


async def test_viewing_a_signal_shows_details_by_consent_and_is_logged(
    engine: Engine, team: dict[str, Chat]
) -> None:
    ref = await report(engine, team["resident"])
    await team["member"].command(f"/signaal {ref}")
    view = team["member"].last
    assert "Ik ben erg eenzaam en krijg nooit bezoek." in view
    assert "Contact: via de chat" in view
    assert "melden (melden-2026-11)" in view
    assert team["member"].labels == ["Oppakken", "Doorsturen"]
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        views = await tx.members.views(signal.id)
    assert [who for who, _at in views] == [MEMBER]


@pytest.mark.parametrize("who", ["resident", "other"])
async def test_outsiders_get_no_data_even_with_forged_buttons(
    engine: Engine, team: dict[str, Chat], who: str
) -> None:
    ref = await report(engine, team["resident"])
    chat = team[who]
    for event in (
        Event(chat.chat_id, chat.chat_id, EventKind.COMMAND, f"/signaal {ref}"),
        Event(chat.chat_id, chat.chat_id, EventKind.BUTTON, f"v:{ref}"),
        Event(chat.chat_id, chat.chat_id, EventKind.BUTTON, f"c:{ref}"),
        Event(chat.chat_id, chat.chat_id, EventKind.BUTTON, f"o:{ref}:geen_actie_nodig"),
        Event(chat.chat_id, chat.chat_id, EventKind.BUTTON, "q:1"),
    ):
        replies = await engine.handle(event)
        text = " ".join(r.text for r in replies)
        assert "eenzaam" not in text and "1503" not in text
        assert text in (
            "Dit is alleen voor medewerkers van het wijkteam.",
            f"Signaal {ref} bestaat niet, of het is niet van uw team.",
            "Er zijn geen open signalen. Mooi zo.",  # another team's member: their own queue
        ), text
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None and signal.status == "nieuw"
        assert await tx.members.views(signal.id) == []


async def test_claim_then_close_with_an_outcome_tells_the_reporter(
    engine: Engine, team: dict[str, Chat]
) -> None:
    ref = await report(engine, team["resident"])
    member, colleague = team["member"], team["colleague"]
    await colleague.command(f"/signaal {ref}")  # before anyone claimed it
    await member.command(f"/signaal {ref}")
    replies = await member.tap("Oppakken")
    assert replies[0].text == f"U heeft {ref} opgepakt."
    to_reporter = [r for r in replies if r.chat_id == RESIDENT]
    assert to_reporter and "heeft uw melding" in to_reporter[0].text
    await colleague.tap("Oppakken")  # the button of the earlier view
    assert colleague.last == f"{ref} is al opgepakt door Anna."
    await colleague.command(f"/signaal {ref}")
    await colleague.tap("Afronden")
    assert "Alleen die persoon of de coördinator" in team["colleague"].last

    await member.command(f"/signaal {ref}")
    await member.tap("Afronden")
    assert member.labels[0] == "Contact gelegd"
    await member.tap("Contact gelegd")
    assert member.last.startswith("Wilt u een korte notitie toevoegen?")
    replies = await member.say("Mevrouw gaat naar de koffieochtend.")
    (done,) = [r for r in replies if r.chat_id is None]
    assert done.text == f"{ref} is afgerond: Contact gelegd."
    (told,) = [r for r in replies if r.chat_id == RESIDENT]
    assert told.text == f"Uw melding {ref} is afgerond. Het team heeft contact gelegd."
    assert "koffieochtend" not in told.text, "never the team's note"

    await member.command(f"/signaal {ref}")
    assert member.labels == ["Heropenen", "Bericht aan melder"]  # after closing too
    view = member.last
    assert "opgepakt door: Anna (teamlid)" in view
    history = view.split("Verloop:\n")[1].splitlines()
    assert [line.split(" · ", 1)[1] for line in history if " · " in line] == [
        "gemeld (door een bewoner)",
        "opgepakt door Anna",
        "afgerond door Anna: Contact gelegd",
    ]
    assert "    notitie: Mevrouw gaat naar de koffieochtend." in history
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        events = await tx.signals.events(signal.id)
    assert [(e.kind, e.from_status, e.to_status, e.actor) for e in events] == [
        ("aangemaakt", None, "nieuw", "bewoner"),
        ("opgepakt", "nieuw", "opgepakt", "Anna"),
        ("afgerond:contact_gelegd", "opgepakt", "afgerond", "Anna"),
    ]
    assert signal.outcome == "contact_gelegd"


async def test_closing_twice_is_refused_plainly(engine: Engine, team: dict[str, Chat]) -> None:
    ref = await report(engine, team["resident"])
    member = team["member"]
    await member.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    await member.tap("Afronden")
    stale = member.button("Geen actie nodig")
    await member.tap("Geen actie nodig")
    await member.tap("Geen notitie")
    member.replies = await engine.handle(Event(MEMBER, MEMBER, EventKind.BUTTON, stale.data))
    assert member.last == f"{ref} is afgerond. Het kan niet naar 'afgerond'."


async def test_no_message_to_a_reporter_who_did_not_want_contact(
    engine: Engine, team: dict[str, Chat]
) -> None:
    ref = await report(engine, team["resident"], contact="Liever geen contact")
    await team["member"].command(f"/signaal {ref}")
    replies = await team["member"].tap("Oppakken")
    assert all(r.chat_id is None for r in replies)


async def test_handing_over_reroutes_and_tells_the_other_team(
    engine: Engine, team: dict[str, Chat]
) -> None:
    ref = await report(engine, team["resident"])
    member = team["member"]
    await member.command(f"/signaal {ref}")
    await member.tap("Doorsturen")
    assert "Sociaal wijkteam Zaandam-Noord" not in member.labels
    await member.tap("Sociaal wijkteam Krommenie")
    assert member.last == f"Waarom stuurt u {ref} naar Sociaal wijkteam Krommenie?"
    replies = await member.say("Mevrouw woont sinds kort in Krommenie.")
    (done,) = [r for r in replies if r.chat_id is None]
    assert done.text == f"{ref} is doorgestuurd naar Sociaal wijkteam Krommenie."
    (notice,) = [r for r in replies if r.chat_id == OTHER_TEAM]
    assert "Reden: Mevrouw woont sinds kort in Krommenie." in notice.text
    await member.command(f"/signaal {ref}")
    assert member.last == f"Signaal {ref} bestaat niet, of het is niet van uw team."
    await team["other"].command(f"/signaal {ref}")
    assert "doorgestuurd" in team["other"].last
    history = team["other"].last.split("Verloop:\n")[1]
    assert "doorgestuurd door Anna naar Sociaal wijkteam Krommenie" in history
    assert "    notitie: Mevrouw woont sinds kort in Krommenie." in history
    replies = await team["other"].tap("Oppakken")
    assert replies[0].text == f"U heeft {ref} opgepakt."


async def test_a_revoked_member_loses_access_at_once_also_to_old_buttons(
    engine: Engine, team: dict[str, Chat], clock: FakeClock
) -> None:
    ref = await report(engine, team["resident"])
    member = team["member"]
    await member.command("/wachtrij")
    view = member.button(f"Bekijk {ref}")
    async with engine.db.transaction() as tx:
        assert await tx.members.revoke(MEMBER, clock.now())
    member.replies = await engine.handle(Event(MEMBER, MEMBER, EventKind.BUTTON, view.data))
    assert member.last == "Dit is alleen voor medewerkers van het wijkteam."
    await member.command("/wachtrij")
    assert member.last == "Dit is alleen voor medewerkers van het wijkteam."


async def test_reopening_a_closed_signal(engine: Engine, team: dict[str, Chat]) -> None:
    ref = await report(engine, team["resident"])
    coordinator = team["coordinator"]
    await claim_and_close(coordinator, ref, "Niet bereikbaar")
    await coordinator.command(f"/signaal {ref}")
    await coordinator.tap("Heropenen")
    assert coordinator.last == f"{ref} is heropend."
    await coordinator.command(f"/signaal {ref}")
    history = coordinator.last.split("Verloop:\n")[1].split("\n\n")[0].splitlines()
    assert history[-2].endswith("afgerond door Dina: Niet bereikbaar"), history
    assert history[-1].endswith("heropend door Dina"), history
    await team["member"].command("/wachtrij")
    assert ref in team["member"].last and "heropend" in team["member"].last


async def test_seriously_late_past_three_times_the_deadline(
    engine: Engine, team: dict[str, Chat], clock: FakeClock
) -> None:
    """Monday 23 Nov, 3 working days: late after Thu 26 Nov, seriously late after Fri 4 Dec."""
    ref = await report(engine, team["resident"])
    clock.advance(timedelta(days=4))  # Friday 27
    await team["member"].command("/wachtrij")
    assert "over tijd" in team["member"].last and "ernstig" not in team["member"].last
    clock.advance(timedelta(days=7))  # Friday 4 Dec: 3 × 3 working days reached, not past
    await team["member"].command("/wachtrij")
    assert "ernstig" not in team["member"].last
    clock.advance(timedelta(days=3))  # Monday 14 Dec
    await team["member"].command(f"/signaal {ref}")
    assert "ernstig over tijd" in team["member"].last


def test_an_invite_code_never_starts_with_a_dash() -> None:
    """A code is typed after ``invite withdraw`` on the command line, where a leading dash
    would make it an option; about one code in 64 started so before."""
    assert not any(new_code().startswith("-") for _ in range(5000))
