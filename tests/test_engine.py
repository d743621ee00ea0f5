"""The flow runner: global commands, the 'waarom' loop, typed answers, bad input, expiry,
duplicate updates, restarts and one transaction per turn."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.engine import ActionContext, Engine, Event, EventKind
from storage import Cipher, Database
from tests.conftest import TEST_KEY, Chat, report_until_consent

ABOUT = "Over wie gaat het?"


async def state_of(engine: Engine, chat: Chat):
    async with engine.db.transaction() as tx:
        return await tx.conversations.get(chat.chat_id)


async def test_any_first_message_greets_and_asks_the_first_question(chat: Chat) -> None:
    """A resident who just says hello gets the welcome, the 112 notice and one question."""
    await chat.say("hallo")
    assert "geen alarmnummer" in chat.replies[0].text
    assert chat.last == ABOUT
    assert chat.labels == [
        "Over mijzelf",
        "Over iemand anders",
        "Over de buurt",
        "Waarom vraag ik dit?",
        "Wat is er in mijn buurt?",
    ]


async def test_why_explains_and_asks_the_same_question_again(chat: Chat) -> None:
    """'Waarom vraag ik dit?' answers, then repeats the pending question with its buttons."""
    await chat.command("/start")
    await chat.tap("Waarom vraag ik dit?")
    assert chat.replies[0].text.startswith("Zo weet het wijkteam")
    assert chat.last == ABOUT and "Over mijzelf" in chat.labels
    await chat.say("waarom vraag ik dit")
    assert chat.replies[0].text.startswith("Zo weet het wijkteam") and chat.last == ABOUT
    await chat.tap("Over mijzelf")
    assert chat.last.startswith("Wat is er aan de hand?")


async def test_typed_label_number_or_first_word_answers_a_choice(chat: Chat) -> None:
    """Where buttons are shown, typing the label, its number or a unique first word works."""
    await chat.command("/start")
    await chat.say("2")
    assert chat.last.startswith("Wat is er aan de hand?")
    await chat.say("Ik weet niet goed hoe ik het moet zeggen.")  # no suggestion: all categories
    await chat.say("  eenzaamheid! ")
    assert chat.last == "Is er nu direct gevaar?"
    await chat.say("NEE")
    assert chat.last == "Weet deze persoon dat u dit meldt?"


async def test_text_that_names_no_button_is_answered_kindly(chat: Chat) -> None:
    """Free text at a choice: a kind hint and the same question again."""
    await chat.command("/start")
    await chat.say("dat weet ik eigenlijk niet zo goed")
    assert "Kies een van de knoppen" in chat.replies[0].text
    assert chat.last == ABOUT


async def test_stop_abandons_and_keeps_nothing(chat: Chat, engine: Engine) -> None:
    """/stop in the middle of a report: nothing of it stays, and the bot says so."""
    await report_until_consent(chat)
    await chat.command("/stop")
    assert "niets bewaard" in chat.last
    state = await state_of(engine, chat)
    assert state.flow is None and state.data == {}
    await chat.command("/stop")
    assert "geen melding" in chat.last


async def test_help_and_privacy_answer_then_return_to_the_question(chat: Chat) -> None:
    """Side questions do not lose the place in the flow."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.command("/hulp")
    assert "/stop" in chat.replies[0].text
    assert chat.last.startswith("Wat is er aan de hand?")
    await chat.command("/privacy")
    assert "intrekken" in chat.replies[0].text
    assert chat.last.startswith("Wat is er aan de hand?")


async def test_unknown_command_is_explained(chat: Chat) -> None:
    await chat.command("/start")
    await chat.command("/bestaatniet")
    assert "ken ik niet" in chat.replies[0].text and chat.last == ABOUT


async def test_start_mid_report_asks_first_then_restarts_on_yes(chat: Chat, engine: Engine) -> None:
    """/start mid-report asks before throwing the answers away; 'Ja' begins again, empty."""
    await report_until_consent(chat)
    await chat.command("/start")
    assert chat.last == (
        "U was nog bezig met een melding. Opnieuw beginnen? Dan gooi ik weg wat u schreef."
    )
    assert chat.labels == ["Ja, opnieuw beginnen", "Nee, verder met mijn melding"]
    assert (await state_of(engine, chat)).data["answers"]["where"] == "1503 AB"
    await chat.tap("Ja, opnieuw beginnen")
    assert chat.last == ABOUT
    assert (await state_of(engine, chat)).data == {}


async def test_start_mid_report_and_no_keeps_everything(chat: Chat, engine: Engine) -> None:
    """'Nee' (tapped or typed) goes back to the open question with every answer kept."""
    await report_until_consent(chat)
    question = chat.last
    await chat.command("/start")
    await chat.tap("Nee, verder met mijn melding")
    assert chat.replies[0].text == "Goed, we gaan verder. Er is niets weggegooid."
    assert chat.last == question
    await chat.command("/start")
    await chat.say("nee")
    assert chat.last == question
    data = (await state_of(engine, chat)).data
    assert data["answers"]["where"] == "1503 AB" and "pending" not in data


async def test_start_before_any_answer_just_begins(chat: Chat) -> None:
    await chat.command("/start")
    await chat.command("/start")
    assert chat.last == ABOUT


async def test_taal_switches_to_english_and_repeats_the_question(chat: Chat) -> None:
    """/taal offers the languages; the choice holds for the rest of the chat."""
    await chat.command("/start")
    await chat.command("/taal")
    assert chat.labels == ["Nederlands", "English"]
    await chat.tap("English")
    assert chat.replies[0].text == "All right, we will continue in English."
    assert chat.last == "Who is it about?"
    assert chat.labels[-2:] == ["Why am I asking this?", "What is there in my neighbourhood?"]
    await chat.tap("About me")
    assert chat.last.startswith("What is going on?")


async def test_taal_accepts_a_typed_language(chat: Chat) -> None:
    await chat.command("/start")
    await chat.command("/taal")
    await chat.say("english")
    assert chat.last == "Who is it about?"
    await chat.command("/taal")
    await chat.say("1")
    assert chat.last == ABOUT


@pytest.mark.parametrize(
    "kind", [EventKind.UNSUPPORTED, EventKind.EDITED], ids=["photo-or-voice", "edited"]
)
async def test_non_text_input_gets_a_kind_reply_and_the_question_again(
    chat: Chat, engine: Engine, kind: EventKind
) -> None:
    """A photo, voice note, sticker or an edit: explained, nothing lost."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    before = await state_of(engine, chat)
    await chat.other(kind)
    assert len(chat.replies) == 2
    assert chat.last.startswith("Wat is er aan de hand?")
    after = await state_of(engine, chat)
    assert (after.step, after.data) == (before.step, before.data)


async def test_a_button_from_an_old_message_is_refused(chat: Chat) -> None:
    """Tapping the buttons of an earlier question does not answer the current one."""
    await chat.command("/start")
    old = chat.button("Over de buurt")
    await chat.tap("Over mijzelf")
    await chat.say("Ik weet niet goed hoe ik het moet zeggen.")
    chat.replies = await chat.engine.handle(Event.button(chat.chat_id, old.data))
    assert "eerdere vraag" in chat.replies[0].text
    assert chat.last.startswith("Waar gaat het vooral over?")


@pytest.mark.parametrize("text", ["🙂🙂🙂", "   ", "...!?"], ids=["emoji", "spaces", "punctuation"])
async def test_text_without_words_is_asked_again(chat: Chat, text: str) -> None:
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say(text)
    assert "geen woorden" in chat.replies[0].text
    assert chat.last.startswith("Wat is er aan de hand?")


async def test_text_over_telegram_length_is_refused_kindly(chat: Chat) -> None:
    """At a question without a maximum of its own, a message's 4,096 characters is the one
    limit named."""
    await chat.command("/start")
    await chat.say("a" * 5000)
    assert chat.replies[0].text.startswith("Uw tekst is te lang: 5000 tekens.")
    assert "4096" in chat.replies[0].text
    assert chat.last.startswith("Over wie gaat het?"), "the question again"


async def test_a_description_meets_one_limit_told_the_same_way_whatever_its_length(
    chat: Chat,
) -> None:
    """Too long by far (5,000) or by a little (3,000): the description names the same limit,
    2,000, in the same words; never Telegram's 4,096 first and the flow's 2,000 next."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    refusals = []
    for length in (5000, 3000):
        await chat.say("a" * length)
        refusals.append(chat.replies[0].text)
        assert chat.last.startswith("Wat is er aan de hand?")
    assert refusals == [
        f"Uw tekst is te lang: {n} tekens. Het mag hoogstens 2000 zijn. Wilt u het korter maken?"
        for n in (5000, 3000)
    ]


async def test_description_over_the_flow_limit_is_refused(chat: Chat) -> None:
    """The flow's own max_length validator (2000) names the length and the maximum."""
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("woord " * 500)
    # 500 words and 499 spaces: the trailing space is stripped before measuring.
    assert "2000" in chat.replies[0].text and "2999 tekens" in chat.replies[0].text


async def test_a_redelivered_update_is_handled_once(chat: Chat, engine: Engine) -> None:
    """The same update_id twice: the second gets no reply and changes nothing."""
    first = await engine.handle(Event(7, 7, EventKind.COMMAND, "/start", update_id=1000))
    again = await engine.handle(Event(7, 7, EventKind.COMMAND, "/start", update_id=1000))
    assert first and again == []


async def test_silence_longer_than_the_expiry_wipes_and_says_so(
    chat: Chat, engine: Engine, clock: FakeClock
) -> None:
    """After 24 hours of silence the next message hears what happened and starts afresh."""
    await report_until_consent(chat)
    clock.advance(timedelta(hours=24, minutes=1))
    await chat.say("1503 AB")
    assert "bleef lang stil" in chat.replies[0].text
    assert chat.last == ABOUT
    assert "answers" not in (await state_of(engine, chat)).data


async def test_the_sweep_wipes_silent_conversations_before_anyone_writes(
    chat: Chat, engine: Engine, clock: FakeClock
) -> None:
    """expire_stale removes the answers from the database; the notice waits for the chat."""
    await report_until_consent(chat)
    clock.advance(timedelta(hours=23))
    assert await engine.expire_stale() == 0
    clock.advance(timedelta(hours=2))
    assert await engine.expire_stale() == 1
    state = await state_of(engine, chat)
    assert state.data == {} and state.flow is None
    await chat.say("hallo")
    assert "bleef lang stil" in chat.replies[0].text


async def test_a_restart_in_the_middle_of_a_report_loses_nothing(
    tmp_path: Path, make_engine: Callable[..., Engine]
) -> None:
    """A new engine on the same database file continues where the resident was."""
    db = await Database.open(tmp_path / "restart.db", cipher=Cipher([TEST_KEY]))
    chat = Chat(make_engine(db))
    await report_until_consent(chat)
    await db.close()

    db = await Database.open(tmp_path / "restart.db", cipher=Cipher([TEST_KEY]))
    chat.engine = make_engine(db)
    await chat.say("ja")
    assert chat.last.startswith("Mag het wijkteam contact met u opnemen?")
    await db.close()


async def test_a_failing_action_rolls_the_whole_turn_back(
    db: Database, make_engine: Callable[..., Engine]
) -> None:
    """One transaction per turn: when storing fails, the state is not moved on either."""

    async def broken(ctx: ActionContext) -> str | None:
        await ctx.tx.write("INSERT INTO reference_counters (year, last) VALUES (1, 1)")
        raise RuntimeError("disk on fire")

    chat = Chat(make_engine(db, replace_actions={"route_signal": broken}))
    await report_until_consent(chat)
    await chat.tap("Nee, liever niet")
    await chat.tap("Ja, zonder naam melden")
    with pytest.raises(RuntimeError):
        await chat.tap("Versturen")
    async with db.transaction() as tx:
        state = await tx.conversations.get(chat.chat_id)
        ((count,),) = await tx.read("SELECT count(*) FROM reference_counters")
    assert state.step == "summary" and count == 0
    # The same tap works once the action does.
    chat.engine = make_engine(db)
    await chat.tap("Versturen")
    assert "WS-2026-00001" in chat.last


async def test_a_crisis_gets_the_help_line_first_and_the_text_is_not_kept(
    chat: Chat, engine: Engine
) -> None:
    """Suicide in a free text: 113 at once, before the flow goes on; nothing of it stored."""
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Mijn buurman zegt dat hij dood wil.")
    assert chat.replies[0].text.startswith("Bel nu 113")
    assert "Stuur uw antwoord dan nog een keer" in chat.replies[1].text
    assert chat.last.startswith("Wat is er aan de hand?")
    state = await state_of(engine, chat)
    assert "what" not in state.data.get("answers", {})
    assert "dood" not in str(state.data)


async def test_after_a_crisis_the_resident_may_go_on_with_the_report(chat: Chat) -> None:
    """The same text again at the same question: the help line once more, then the flow."""
    await chat.command("/start")
    await chat.tap("Over iemand anders")
    await chat.say("Mijn buurman zegt dat hij dood wil.")
    await chat.say("Mijn buurman zegt dat hij dood wil.")
    assert chat.replies[0].text.startswith("Bel nu 113")
    assert chat.last.startswith("Waar gaat het vooral over?")


@pytest.mark.parametrize(
    ("text", "first_line"),
    [
        ("Mijn buurvrouw ligt op de grond en ademt niet", "Bel nu 112."),
        ("Mijn man bedreigt mij", "Bel Veilig Thuis: 0800-2000."),
    ],
)
async def test_every_free_text_is_checked_even_outside_a_flow_or_at_buttons(
    chat: Chat, text: str, first_line: str
) -> None:
    """A first message, and free text where buttons are asked, are checked too."""
    await chat.say(text)
    assert chat.replies[0].text.startswith(first_line)
    assert "/start" in chat.last
    await chat.command("/start")
    await chat.say(text)
    assert chat.replies[0].text.startswith(first_line)
    assert chat.last == ABOUT


async def test_idioms_do_not_raise_the_alarm(chat: Chat) -> None:
    await chat.command("/start")
    await chat.tap("Over mijzelf")
    await chat.say("Ik schrik me dood van de rekeningen.")
    assert not any(r.text.startswith("Bel") for r in chat.replies)
    assert chat.last.startswith("Gaat het over geldzorgen of schulden?")


@pytest.mark.parametrize(
    ("role", "team", "first_line", "names"),
    [
        (None, None, "Zo werkt deze chat:", ["/start", "/buurt", "/mijngegevens"]),
        (
            "raadslid",
            "zaandam-noord",
            "Zo werkt deze chat voor leden van de raad:",
            ["/ervaring", "/rapport"],
        ),
        (
            "teamlid",
            "zaandam-noord",
            "Zo werkt deze chat voor het wijkteam:",
            ["/wachtrij", "/signaal", "/digest"],
        ),
        (
            "coordinator",
            None,
            "Zo werkt deze chat voor de coördinator:",
            ["/wachtrij", "wijksignaal invite"],
        ),
    ],
)
async def test_help_lists_the_commands_of_the_persons_own_role(
    engine: Engine, role: str | None, team: str | None, first_line: str, names: list[str]
) -> None:
    from tests.test_team import join

    chat = await join(engine, 900, role, team, "Sam") if role else Chat(engine, 900)
    await chat.command("/hulp")
    text = chat.replies[0].text
    assert text.splitlines()[0] == first_line
    assert all(name in text for name in names)
    assert "112" in text


async def test_a_button_with_a_non_ascii_digit_is_an_old_button(chat: Chat) -> None:
    """'²' passes str.isdigit() but is no number: the press gets the plain answer, no error."""
    await chat.command("/start")
    forged = chat.button("Over mijzelf").data.rsplit(":", 1)[0] + ":²"
    await chat._send(EventKind.BUTTON, forged)
    assert (
        chat.replies[0].text == "Die knop hoort bij een eerdere vraag. Kijk naar de laatste vraag."
    )
    assert chat.last == ABOUT
