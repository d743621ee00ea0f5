"""The offer in the chat: what a resident is offered after a report, /buurt that leaves the
database as it was, and the team's choice of an activity when closing."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import assembly
from bot.channels.telegram_offline import OfflineChat
from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine, Event, EventKind, Flow
from bot.language import Language
from storage import Database
from tests.conftest import Chat, report_to_summary, report_until_consent
from tests.test_team import join, report

RESIDENT, MEMBER, OTHER = 42, 500, 43
OFFER_HEAD = "Er is ook iets in de buurt dat kan helpen:"
QUESTION = "Wilt u dat het wijkteam dit ook met u bespreekt?"


async def offers_of(engine: Engine) -> list[tuple[str, str | None, bool | None]]:
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT signal_id FROM signal_offers ORDER BY id")
        found = []
        for signal_id in dict.fromkeys(r[0] for r in rows):
            found += [
                (o.kind, o.activity_id, o.wanted) for o in await tx.offers.of_signal(signal_id)
            ]
    return found


# -- after a report ------------------------------------------------------------------------


async def test_after_a_report_two_activities_are_offered_and_the_answer_is_kept(
    chat: Chat, engine: Engine
) -> None:
    """Loneliness at 1503 AB: the two soonest activities for it, with the next date and one
    note, then one yes/no question; the report was stored before."""
    await report_to_summary(chat)
    await chat.tap("Versturen")
    done, offer = chat.replies
    assert done.text.startswith("Dank u wel. Uw melding is verstuurd.")
    assert offer.text == (
        f"{OFFER_HEAD}\n\n"
        "- Koffieochtend in Buurthuis De Kolk (voorbeeld). Volgende keer: dinsdag 24 november,"
        " 10:00. Goed te doen met een rolstoel.\n\n"
        "- Wandelgroep Samen op pad in Buurthuis De Kolk (voorbeeld). Volgende keer: donderdag"
        f" 26 november, 10:00. Gratis.\n\n{QUESTION}"
    )
    assert chat.labels == ["Ja, graag", "Nee, dank u"]
    offered = chat.replies
    assert await offers_of(engine) == [
        ("na_melding", "koffie-de-kolk", None),
        ("na_melding", "wandelen-noord", None),
    ]
    await chat.tap("Ja, graag")
    assert chat.last == "Goed. Het wijkteam bespreekt dit met u."
    assert {wanted for _k, _a, wanted in await offers_of(engine)} == {True}
    chat.replies = offered
    await chat.tap("Nee, dank u")  # the same message's other button: the last answer counts
    assert {wanted for _k, _a, wanted in await offers_of(engine)} == {False}


PASS_ON_HEAD = "Misschien is dit iets voor de persoon over wie u meldt. U kunt het doorgeven:"


async def report_about_someone_else(chat: Chat) -> str:
    """A report "Over iemand anders" at 1503 AB, contact through the chat; its reference."""
    await report_until_consent(chat, about="Over iemand anders")
    await chat.tap("Ja, dat is goed")
    await chat.tap("Via deze chat")
    await chat.tap("Nee, liever niet")
    await chat.tap("Versturen")
    return chat.text.split("Uw nummer is ")[1].split(".")[0]


async def test_after_a_report_about_someone_else_the_offer_is_to_pass_on(chat: Chat) -> None:
    """The same activities, worded for passing on to the person reported about (not as if
    the reporter were the lonely one), in B1 with "u"."""
    await report_about_someone_else(chat)
    _done, offer = chat.replies
    assert offer.text.startswith(f"{PASS_ON_HEAD}\n\n- Koffieochtend in Buurthuis De Kolk")
    assert OFFER_HEAD not in offer.text
    assert offer.text.endswith("\n\nWilt u dat het wijkteam dit met u bespreekt?")
    assert chat.labels == ["Ja, graag", "Nee, dank u"]


async def test_an_unanswered_offer_changes_nothing(chat: Chat, engine: Engine) -> None:
    """The report is stored and its flow has ended: /start begins anew without asking."""
    await report_to_summary(chat)
    await chat.tap("Versturen")
    async with engine.db.transaction() as tx:
        (signal,) = await tx.signals.all()
        state = await tx.conversations.get(chat.chat_id)
    assert signal.status == "nieuw" and state.flow is None
    await chat.command("/start")
    assert chat.last == "Over wie gaat het?"


async def test_only_the_reporter_can_answer(chat: Chat, engine: Engine) -> None:
    """Another chat pressing the reporter's offer button changes nothing and hears the question
    is closed."""
    await report_to_summary(chat)
    await chat.tap("Versturen")
    data = chat.button("Ja, graag").data
    stranger = Chat(engine, OTHER)
    stranger.replies = chat.replies
    await stranger.tap("Ja, graag")
    assert stranger.last == "Deze vraag is niet meer open."
    assert {wanted for _k, _a, wanted in await offers_of(engine)} == {None}
    assert data.startswith("ao:WS-2026-00001:")


async def test_without_contact_the_offer_is_shown_without_a_question(chat: Chat) -> None:
    """A reporter who wants no contact sees the activities but is not asked to discuss them."""
    await report_until_consent(chat)
    await chat.tap("Ja, dat is goed")
    await chat.tap("Liever geen contact")
    await chat.tap("Nee, liever niet")
    await chat.tap("Versturen")
    assert chat.last.startswith(OFFER_HEAD) and QUESTION not in chat.last
    assert chat.replies[-1].buttons == ()


@pytest.mark.parametrize("case", ["anonymous", "no postcode", "nothing there"])
async def test_no_offer_without_consent_postcode_or_a_matching_activity(
    chat: Chat, engine: Engine, case: str
) -> None:
    """No offer after an anonymous report, without a postcode, or where no activity serves it."""
    await report_until_consent(
        chat, postcode={"no postcode": "Weet ik niet", "nothing there": "9999"}.get(case, "1503")
    )
    if case == "anonymous":
        await chat.tap("Nee, liever niet")
        await chat.tap("Ja, zonder naam melden")
    else:
        await chat.tap("Ja, dat is goed")
        await chat.tap("Via deze chat")
        await chat.tap("Nee, liever niet")
    await chat.tap("Versturen")
    assert "Uw nummer is" in chat.text, "the report itself went through"
    assert OFFER_HEAD not in chat.text
    assert await offers_of(engine) == []


# -- /buurt --------------------------------------------------------------------------------


def dump(path: str) -> list[str]:
    """Every table's rows and the schema, as SQL."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def file_bytes(path: str) -> bytes:
    return b"".join(p.read_bytes() for p in Path(path).parent.glob(Path(path).name + "*"))


async def test_buurt_stores_nothing_and_the_report_goes_on(
    telegram: OfflineChat, engine: Engine
) -> None:
    """In the middle of a report: /buurt, a postcode, a category, the list. Afterwards every
    table holds what it held before, the postcode is nowhere in the database files, and the
    report continues where it was."""
    assert engine.durable, "as run attaches it: the inbox and the reply queue in every turn"
    await telegram.send("/start")
    await telegram.tap("Over mijzelf")
    before = dump(engine.db.path)
    sent = await telegram.send("/buurt")
    assert sent[-1]["text"].startswith("Voor welke postcode zoekt u activiteiten?")
    sent = await telegram.send("1503 KZ")
    assert sent[-1]["text"] == "Waar zoekt u iets voor? Kies een onderwerp, of alles."
    labels = [row[0]["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"]]
    assert labels[:3] == ["Alles laten zien", "Eenzaamheid", "Wil geen hulp"]
    sent = await telegram.tap("Eenzaamheid")
    listing, question = (m["text"] for m in sent)
    assert listing.startswith("Dit is er in de buurt van 1503 KZ, voor: Eenzaamheid.")
    assert "Koffieochtend\nBuurthuis De Kolk (voorbeeld), Voorbeeldstraat 1, Zaandam\n" in listing
    assert "Volgende keer: dinsdag 24 november, 10:00" in listing
    assert "Bellen: 075 123 4567" in listing
    assert listing.endswith(
        "Wij hebben uw postcode niet bewaard. Wilt u iets melden? Stuur dan /start."
    )
    assert question.startswith("Wat is er aan de hand?"), "the report's open question again"
    assert dump(engine.db.path) == before
    raw = file_bytes(engine.db.path)
    assert len(raw) > 10_000, "the database files were read"
    assert b"1503KZ" not in raw and b"1503 KZ" not in raw
    sent = await telegram.send("Ik ben erg eenzaam sinds mijn man is overleden.")
    assert sent[-1]["text"].startswith("Gaat het over iemand die eenzaam is?")


async def test_the_start_screen_button_and_a_wrong_postcode(telegram: OfflineChat) -> None:
    """The start-screen button asks a postcode, asks again after a wrong one, lists, then
    returns to the open question."""
    await telegram.send("/start")
    sent = await telegram.tap("Wat is er in mijn buurt?")
    assert sent[-1]["text"].startswith("Voor welke postcode")
    sent = await telegram.send("ergens")
    assert sent[0]["text"].startswith("Dat is geen postcode.")
    assert sent[1]["text"].startswith("Voor welke postcode")
    await telegram.send("1560")
    sent = await telegram.tap("Alles laten zien")
    assert sent[0]["text"].startswith("Dit is er in de buurt van 1560:")
    assert "Koffie-inloop" in sent[0]["text"]
    assert sent[-1]["text"] == "Over wie gaat het?"


async def test_buurt_with_a_postcode_lists_at_most_five(chat: Chat) -> None:
    """/buurt with a postcode lists five activities at most and says how many more there are."""
    await chat.command("/buurt 1503 AB")
    await chat.tap("Alles laten zien")
    listing = chat.last
    assert listing.count("Volgende keer:") == 5
    assert "Er is nog meer: 2 andere." in listing


async def test_a_postcode_without_activities_says_so(chat: Chat) -> None:
    """A postcode of one of the teams that no activity serves gets a plain answer, not an
    empty list."""
    await chat.command("/buurt 1540")
    assert chat.last.startswith("Wij kennen nog geen activiteiten bij postcode 1540.")


BUURT_ASK = "Voor welke postcode zoekt u activiteiten?"
REPORT_QUESTION = "Wat is er aan de hand?"


async def test_the_postcode_question_has_a_way_out(chat: Chat) -> None:
    """ "Weet ik niet" and "Stoppen", tapped or typed, end the question: a text after it is
    the report's answer again, no longer "Dat is geen postcode"."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.command("/buurt")
    assert chat.last.startswith(BUURT_ASK)
    assert chat.labels == ["Weet ik niet", "Stoppen"]
    await chat.tap("Weet ik niet")
    told, again = chat.replies
    assert told.text == (
        "Dat is niet erg. Zonder postcode kan ik niet zoeken. Weet u de postcode later wel?"
        " Stuur dan /buurt."
    )
    assert again.text.startswith(REPORT_QUESTION)
    await chat.command("/buurt")
    await chat.say("stoppen")
    told, again = chat.replies
    assert told.text.startswith("Goed, ik zoek niet verder.") and again.text.startswith(
        REPORT_QUESTION
    )
    await chat.command("/buurt")
    await chat.say("Weet ik niet")
    assert chat.replies[0].text.startswith("Dat is niet erg.")
    await chat.command("/buurt")
    await chat.tap("Stoppen")
    await chat.say("Ik ben erg eenzaam sinds mijn man is overleden.")
    assert "Dat is geen postcode" not in chat.text
    assert chat.last.startswith("Gaat het over iemand die eenzaam is?")


async def test_after_a_wrong_postcode_the_way_out_is_offered_again(chat: Chat) -> None:
    """Every time the postcode is asked again, the two buttons come with it."""
    await chat.command("/buurt")
    await chat.say("ergens")
    wrong, again = chat.replies
    assert wrong.text.startswith("Dat is geen postcode.")
    assert again.text.startswith(BUURT_ASK) and chat.labels == ["Weet ik niet", "Stoppen"]


@pytest.mark.parametrize("typed", ["0000", "0123 AB"])
async def test_a_postcode_beginning_with_zero_hears_what_is_wrong(chat: Chat, typed: str) -> None:
    """ "0000" has four digits: the answer says that a Dutch postcode never begins with 0, not
    that it needs four digits; /buurt and the report's postcode question say the same."""
    zero = (
        "Dat is geen Nederlandse postcode: een postcode begint nooit met een 0."
        " Bijvoorbeeld 1503 AB of 1503."
    )
    await chat.command("/buurt")
    await chat.say(typed)
    assert chat.replies[0].text == zero
    assert chat.last.startswith(BUURT_ASK)
    await report_until_consent(chat, postcode=typed)
    assert chat.replies[0].text == zero
    assert chat.last.startswith("Wat is de postcode van het adres?")


async def test_a_postcode_outside_the_teams_areas_is_said_and_may_be_typed_again(
    chat: Chat,
) -> None:
    """9999 is a postcode, but of none of the teams: the answer says so, and a corrected
    postcode is still taken."""
    await chat.command("/buurt 9999")
    outside, again = chat.replies
    assert outside.text == (
        "Postcode 9999 ligt niet in een van onze wijken. Daar kennen wij geen activiteiten."
        " Heeft u zich vergist? Typ dan de goede postcode."
    )
    assert again.text.startswith(BUURT_ASK)
    await chat.say("1503")
    assert chat.last == "Waar zoekt u iets voor? Kies een onderwerp, of alles."


async def test_the_postcode_question_waits_ten_minutes_and_gives_way(
    chat: Chat, clock: FakeClock
) -> None:
    """After ten minutes, or after anything else, a typed text is no longer the postcode."""
    await chat.command("/buurt")
    clock.advance(timedelta(minutes=11))
    await chat.say("1503")
    assert chat.last == "Over wie gaat het?", "the text started a report as usual"
    await chat.command("/buurt")
    await chat.command("/privacy")
    await chat.say("1503")
    assert "Waar zoekt u iets voor?" not in chat.text


async def test_without_an_offer_the_bot_works_as_before(
    db: Database, config: Config, clock: FakeClock, flows: dict[str, Flow], language: Language
) -> None:
    """No [offer]: no button on the start screen, /buurt unknown, no offer after a report."""
    plain = dataclasses.replace(config, offer=None, offer_file=None)
    engine = assembly.build_engine(db, plain, clock, flows, language=language)
    chat = Chat(engine)
    await chat.command("/start")
    assert "Wat is er in mijn buurt?" not in chat.labels
    await chat.command("/buurt")
    assert chat.replies[0].text == "Die opdracht ken ik niet. Kijk bij /hulp wat wel kan."
    await report_to_summary(chat)
    await chat.tap("Versturen")
    assert len(chat.replies) == 1 and chat.last.startswith("Dank u wel.")
    await chat.command("/hulp")
    assert "/start" in chat.replies[0].text and "/buurt" not in chat.replies[0].text


# -- the team closes with "collectief aanbod" ----------------------------------------------


async def close_collectively(member: Chat, ref: str) -> None:
    await member.command(f"/signaal {ref}")
    await member.tap("Oppakken")
    await member.command(f"/signaal {ref}")
    await member.tap("Afronden")
    await member.tap("Collectief aanbod")


async def test_closing_with_an_activity_tells_the_reporter_which_and_when(
    engine: Engine,
) -> None:
    """Closing with a collective offer lists the matching activities first; the reporter hears
    which one and when."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await report(engine, Chat(engine, RESIDENT))
    await close_collectively(member, ref)
    assert member.last == f"Welk aanbod raadt u de melder aan? ({ref})"
    assert member.labels[:3] == [
        "Koffieochtend",
        "Wandelgroep Samen op pad",
        "Inloopspreekuur wijkteam Zaandam-Noord",
    ]
    assert member.labels[-1] == "Ander aanbod"
    assert "Spreekuur geldzorgen" in member.labels, "then the others for the postcode"
    await member.tap("Koffieochtend")
    assert member.last.startswith("Wilt u een korte notitie toevoegen?")
    await member.tap("Geen notitie")
    told = [r for r in member.replies if r.chat_id == RESIDENT]
    assert [r.text for r in told] == [
        f"Uw melding {ref} is afgerond. Het team heeft een activiteit of groep in de buurt"
        " aangeboden.\n\nHet wijkteam raadt u aan: Koffieochtend in Buurthuis De Kolk"
        " (voorbeeld), Voorbeeldstraat 1, Zaandam. Volgende keer: dinsdag 24 november, 10:00."
    ]
    assert ("afronding", "koffie-de-kolk", None) in await offers_of(engine)
    await member.command(f"/signaal {ref}")
    assert "Aangeraden bij afronden: Koffieochtend" in member.last


async def test_closing_after_a_report_about_someone_else_offers_it_to_pass_on(
    engine: Engine,
) -> None:
    """The team recommends an activity when closing a report about someone else: the reporter
    reads it as something to pass on, never "Het wijkteam raadt u aan"; so for the team's
    own "ander aanbod" too."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    chosen = {
        "Koffieochtend": "Koffieochtend in Buurthuis De Kolk (voorbeeld), Voorbeeldstraat 1,"
        " Zaandam. Volgende keer: dinsdag 24 november, 10:00.",
        "Ander aanbod": "Taalcafé in de bibliotheek.",
    }
    for button, activity in chosen.items():
        ref = await report_about_someone_else(Chat(engine, RESIDENT))
        await close_collectively(member, ref)
        await member.tap(button)
        if button == "Ander aanbod":
            await member.say("Taalcafé in de bibliotheek")
        await member.tap("Geen notitie")
        (told,) = [r.text for r in member.replies if r.chat_id == RESIDENT]
        assert told.endswith(
            "\n\nMisschien is dit iets voor de persoon over wie u meldde. U kunt het"
            f" doorgeven: {activity}"
        )
        assert "raadt u aan" not in told


async def test_another_activity_is_named_by_the_team(engine: Engine) -> None:
    """'Ander aanbod' takes a short name of the team's own; the reporter hears it."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    ref = await report(engine, Chat(engine, RESIDENT))
    await close_collectively(member, ref)
    await member.tap("Ander aanbod")
    assert member.last.startswith("Hoe heet het aanbod?")
    await member.say("x" * 81)
    assert member.replies[0].text.startswith("Uw tekst is te lang: 81 tekens."), "short only"
    await member.say("Taalcafé in de bibliotheek")
    await member.tap("Geen notitie")
    told = [r.text for r in member.replies if r.chat_id == RESIDENT]
    assert told[0].endswith("\n\nHet wijkteam raadt u aan: Taalcafé in de bibliotheek.")
    assert ("afronding", None, None) in await offers_of(engine)


async def test_an_activity_button_is_checked_like_any_closing(engine: Engine) -> None:
    """Someone else's signal, an unknown activity or a closed signal: nothing changes."""
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    other = await join(engine, 600, "teamlid", "krommenie", "Cor")
    ref = await report(engine, Chat(engine, RESIDENT))
    await close_collectively(member, ref)
    data = member.button("Koffieochtend").data
    other.replies = await engine.handle(Event(600, 600, EventKind.BUTTON, data))
    assert other.last == f"Signaal {ref} bestaat niet, of het is niet van uw team."
    member.replies = await engine.handle(
        Event(MEMBER, MEMBER, EventKind.BUTTON, f"ak:{ref}:bestaat-niet")
    )
    assert member.last == "Die knop hoort bij een eerdere vraag. Kijk naar de laatste vraag."
    member.replies = await engine.handle(Event(MEMBER, MEMBER, EventKind.BUTTON, data))
    await member.tap("Geen notitie")
    member.replies = await engine.handle(Event(MEMBER, MEMBER, EventKind.BUTTON, data))
    assert member.last.startswith(f"{ref} is afgerond"), member.last
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        closings = await tx.read("SELECT count(*) FROM signal_offers WHERE kind = 'afronding'")
    assert signal is not None and signal.status == "afgerond" and closings == [(1,)]


async def test_a_crisis_typed_for_the_postcode_gets_the_help_line_first(chat: Chat) -> None:
    """Every free text is checked for a crisis, also the answer to "which postcode?"."""
    await chat.command("/buurt")
    await chat.say("Mijn buurman zegt dat hij dood wil.")
    (help_line,) = chat.replies
    assert help_line.text.startswith("Bel nu 113")
    await chat.say("1503")
    assert chat.last == "Waar zoekt u iets voor? Kies een onderwerp, of alles."
