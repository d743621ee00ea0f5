"""The report flow end to end through the engine: what is stored, routed and told."""

from __future__ import annotations

from bot.engine import Engine, Event
from storage import StoredSignal
from tests.conftest import Chat, report_to_summary, report_until_consent, report_until_where


async def signals(engine: Engine) -> list[StoredSignal]:
    async with engine.db.transaction() as tx:
        return await tx.signals.all()


async def test_a_full_report_is_stored_routed_and_answered_with_ref_team_and_deadline(
    chat: Chat, engine: Engine
) -> None:
    """The happy path: consent, contact through the chat, no volunteer, sent."""
    await report_to_summary(chat)
    assert "Postcode: 1503 AB" in chat.last
    assert "Contact: Via deze chat" in chat.last
    assert chat.labels == ["Versturen", "Aanpassen"]
    await chat.tap("Versturen")
    done = chat.replies[0].text  # then the offer in the neighbourhood (tests/test_offer_desk.py)
    assert "WS-2026-00001" in done
    assert "Sociaal wijkteam Zaandam-Noord" in done
    # Monday 23 November + 3 working days.
    assert "uiterlijk donderdag 26 november" in done

    (signal,) = await signals(engine)
    assert signal.ref == "WS-2026-00001"
    assert signal.team == "zaandam-noord"
    assert signal.category == "eenzaamheid"
    assert signal.status == "nieuw"
    assert signal.postcode == "1503AB" and signal.postcode4 == "1503"
    assert signal.route_reason == "Postcode 1503 valt onder Sociaal wijkteam Zaandam-Noord"
    assert signal.contact_method == "chat" and signal.contact_phone is None
    assert not signal.anonymous and signal.reporter_id is not None
    assert signal.source == "bewoner"
    given = {c.purpose: (c.given, c.text_version) for c in signal.consents}
    assert given == {
        "melden": (True, "melden-2026-11"),
        "contact": (True, "contact-2026-11"),
        "vrijwilliger": (False, "vrijwilliger-2026-11"),
    }
    async with engine.db.transaction() as tx:
        events = await tx.signals.events(signal.id)
        state = await tx.conversations.get(chat.chat_id)
    assert [(e.kind, e.to_status) for e in events] == [("aangemaakt", "nieuw")]
    # Nothing of the report's content stays: only its reference, for a press of an old button.
    assert state.flow is None
    assert state.data == {"sent": {"ask": state.ask_id, "ref": signal.ref}}


async def test_references_count_up_per_year(chat: Chat, engine: Engine) -> None:
    """Two reports get two consecutive references."""
    for _ in range(2):
        await report_until_consent(chat)
        await chat.tap("Nee, liever niet")
        await chat.tap("Ja, zonder naam melden")
        await chat.tap("Versturen")
    assert [s.ref for s in await signals(engine)] == ["WS-2026-00001", "WS-2026-00002"]


async def test_an_anonymous_report_keeps_only_area_and_description(
    chat: Chat, engine: Engine
) -> None:
    """Declining consent and choosing anonymous: no chat link, no contact, only the PC4."""
    await report_until_consent(chat)
    await chat.tap("Nee, liever niet")
    assert "zonder naam" in chat.last
    await chat.tap("Ja, zonder naam melden")
    assert "Contact: Geen. U meldt zonder naam." in chat.last
    await chat.tap("Versturen")
    (signal,) = await signals(engine)
    assert signal.anonymous and signal.reporter_id is None
    assert signal.postcode is None and signal.postcode4 == "1503"
    assert signal.contact_method is None
    assert [c.purpose for c in signal.consents if c.given] == ["anoniem"]
    async with engine.db.transaction() as tx:
        assert await tx.people.get(chat.chat_id) is None


async def test_declining_everything_stores_nothing(chat: Chat, engine: Engine) -> None:
    """No consent and no anonymous report: the report is dropped, and the resident is told."""
    await report_until_consent(chat)
    await chat.tap("Nee, liever niet")
    await chat.tap("Nee, stoppen")
    assert "niets bewaard" in chat.last
    assert await signals(engine) == []


async def test_direct_danger_sends_112_and_stores_nothing(chat: Chat, engine: Engine) -> None:
    """'Is er nu direct gevaar?' ja: the 112 message, the flow ends, nothing is kept."""
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Mijn buurman doet heel vreemd vandaag.")
    await chat.tap("Nee, iets anders")
    await chat.tap("Iets anders")
    await chat.tap("Ja")
    assert chat.last.startswith("Bel nu 112.")
    assert chat.replies[-1].buttons == ()
    assert await signals(engine) == []
    async with engine.db.transaction() as tx:
        assert (await tx.conversations.get(chat.chat_id)).data == {}


async def test_a_report_about_someone_who_does_not_know_tells_the_team_will_be_open(
    chat: Chat, engine: Engine
) -> None:
    """AVG art. 14: the reporter hears that the team will tell the person."""
    await report_until_where(chat, "Over iemand anders", knows="Nee")
    assert "vertelt het deze persoon zelf" in chat.text
    await chat.say("1504")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Liever geen contact")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Versturen")
    (signal,) = await signals(engine)
    assert signal.about == "ander" and signal.subject_knows is False
    assert signal.contact_method is None
    assert {c.purpose for c in signal.consents if c.given} == {"melden", "vrijwilliger"}


async def test_a_phone_number_is_checked_and_stored_in_international_form(
    chat: Chat, engine: Engine
) -> None:
    """A wrong number is asked again; a right one is kept as +31..."""
    await report_until_consent(chat)
    await chat.tap("Ja, dat is goed")
    await chat.tap("Bel mij")
    await chat.say("12345")
    assert "klopt niet" in chat.replies[0].text
    assert chat.last == "Wat is uw telefoonnummer?"
    await chat.say("06 12345678")
    await chat.tap("Nee, liever niet")
    assert "Bellen op +31612345678" in chat.last
    await chat.tap("Versturen")
    (signal,) = await signals(engine)
    assert signal.contact_method == "telefoon" and signal.contact_phone == "+31612345678"


async def test_changing_an_answer_returns_to_the_summary(chat: Chat, engine: Engine) -> None:
    """'Aanpassen' asks only the chosen question again, then shows the new summary."""
    await report_to_summary(chat)
    await chat.tap("Aanpassen")
    await chat.tap("Postcode")
    await chat.say("1541")
    assert "Postcode: 1541" in chat.last and chat.labels == ["Versturen", "Aanpassen"]
    await chat.tap("Aanpassen")
    await chat.tap("Contact")
    await chat.tap("Bel mij")
    await chat.say("0612345678")
    assert "Bellen op +31612345678" in chat.last
    await chat.tap("Versturen")
    (signal,) = await signals(engine)
    assert signal.team == "koog-zaandijk" and signal.contact_method == "telefoon"


async def test_a_category_with_its_own_team_overrides_the_area(chat: Chat, engine: Engine) -> None:
    """opvoeding goes to the jeugdteam whatever the postcode, and the reason says so."""
    await chat.command("/start")
    await chat.tap("Over de buurt")
    await chat.say("Er lopen kinderen overdag niet naar school.")
    assert chat.last.startswith("Gaat het over kinderen of opvoeding?")
    await chat.tap("Ja")
    await chat.tap("Nee")
    await chat.say("1503")
    await chat.tap("Nee, liever niet")
    await chat.tap("Ja, zonder naam melden")
    await chat.tap("Versturen")
    (signal,) = await signals(engine)
    assert signal.team == "jeugdteam"
    assert "Zorgen over kinderen of opvoeding" in signal.route_reason


async def test_an_unknown_postcode_goes_to_the_intake_team(chat: Chat, engine: Engine) -> None:
    """'Weet ik niet' routes to the intake team, never nowhere."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik heb schulden en kan de huur niet betalen.")
    await chat.tap("Ja")
    await chat.tap("Nee")
    await chat.tap("Weet ik niet")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
    assert "Postcode: Weet ik niet" in chat.last
    await chat.tap("Versturen")
    # geldzorgen has 2 working days in the example config.
    assert "uiterlijk woensdag 25 november" in chat.last
    (signal,) = await signals(engine)
    assert signal.team == "centraal" and signal.postcode4 is None
    assert signal.route_reason.startswith("Geen postcode bekend")


async def test_the_suggestion_shows_the_residents_words_and_yes_applies_it(
    chat: Chat, engine: Engine
) -> None:
    """'Gaat het over ...?' with the words that led to it; the category only on 'Ja'."""
    await chat.command("/start")
    await chat.tap("Over de buurt")
    await chat.say("De bovenburen maken elke nacht herrie.")
    assert chat.last.startswith("Gaat het over overlast of ruzie in de buurt?")
    assert "herrie" in chat.last
    assert chat.labels == ["Ja", "Nee, iets anders", "Waarom vraag ik dit?"]
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id)
    assert "category" not in state.data["answers"], "never applied silently"
    await chat.tap("Ja")
    assert chat.last == "Is er nu direct gevaar?"


async def test_no_shows_every_category(chat: Chat) -> None:
    await chat.command("/start")
    await chat.tap("Over de buurt")
    await chat.say("De bovenburen maken elke nacht herrie.")
    await chat.tap("Nee, iets anders")
    assert chat.last.startswith("Waar gaat het vooral over?")
    assert len(chat.labels) == 11


async def test_an_unclear_text_goes_straight_to_every_category(chat: Chat) -> None:
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik weet niet goed hoe ik het moet zeggen.")
    assert chat.last.startswith("Waar gaat het vooral over?")


async def test_changing_the_description_keeps_the_chosen_category(
    chat: Chat, engine: Engine
) -> None:
    """Aanpassen → Wat er speelt: only that question, then the summary again."""
    await report_to_summary(chat)
    await chat.tap("Aanpassen")
    await chat.tap("Wat er speelt")
    await chat.say("Ik voel me al maanden heel alleen.")
    assert "Wat er speelt: Ik voel me al maanden heel alleen." in chat.last
    assert "Soort zorg: Eenzaamheid" in chat.last


async def test_a_postcode_outside_every_area_is_said_to_go_to_the_central_team(
    chat: Chat,
) -> None:
    """9999 belongs to no team: the resident hears where the report goes instead."""
    await report_until_consent(chat, postcode="9999 ZZ")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
    await chat.tap("Versturen")
    told, done = (r.text for r in chat.replies)
    assert told == (
        "Uw postcode hoort niet bij een van onze wijkteams. Daarom gaat uw melding naar "
        "Sociaal wijkteam Centraal (intake). Zij zoeken uit wie u het beste kan helpen."
    )
    assert "De melding ligt nu bij Sociaal wijkteam Centraal (intake)" in done


async def test_a_postcode_inside_an_area_says_nothing_extra(chat: Chat) -> None:
    await report_to_summary(chat)
    await chat.tap("Versturen")
    assert chat.replies[0].text.startswith("Dank u wel.")
    assert not any("hoort niet bij een van onze wijkteams" in r.text for r in chat.replies)


async def test_pressing_send_again_answers_with_the_reference(chat: Chat, engine: Engine) -> None:
    """A report already stored (its answer lost, or pressed on another phone): "Versturen"
    again says the reference and stores nothing twice."""
    await report_to_summary(chat)
    send = chat.button("Versturen")
    await chat.tap("Versturen")
    ref = chat.text.split("Uw nummer is ")[1].split(".")[0]
    chat.replies = await engine.handle(Event.button(chat.chat_id, send.data, 999_999))
    assert (
        chat.last == f"Uw melding is al verstuurd. Uw nummer is {ref}. U hoeft niets meer te doen."
    )
    assert len(await signals(engine)) == 1
