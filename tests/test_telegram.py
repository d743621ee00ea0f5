"""The Telegram adapter through python-telegram-bot's real Application.process_update,
with an offline request object that records what the bot sends."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from bot.channels.telegram import attach_engine, build_application
from bot.channels.telegram_offline import (
    OfflineChat,
    OfflineRequest,
    edited_update,
    photo_update,
    service_update,
    text_update,
)
from bot.engine import ActionContext, Engine
from tests.conftest import TELEGRAM_CHAT

CHAT = TELEGRAM_CHAT


async def test_a_whole_report_through_process_update(telegram: OfflineChat, engine: Engine) -> None:
    """Commands, typed text and button taps: the signal lands and the reference is sent."""
    sent = await telegram.send("/start")
    assert sent[-1]["text"] == "Over wie gaat het?"
    labels = [row[0]["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"]]
    assert labels == [
        "Over mijzelf",
        "Over iemand anders",
        "Over de buurt",
        "Waarom vraag ik dit?",
        "Wat is er in mijn buurt?",
    ]
    await telegram.tap("Over iemand anders")
    sent = await telegram.send("Mijn buurman opent zijn post niet meer en ziet er slecht uit.")
    assert sent[-1]["text"].startswith("Gaat het over iemand die geen hulp wil?")
    await telegram.tap("Nee, iets anders")
    await telegram.tap("Wil geen hulp")
    await telegram.tap("Nee")
    await telegram.tap("Ja")
    await telegram.send("1506")
    await telegram.tap("Ja, dat is goed")
    await telegram.tap("Via deze chat")
    await telegram.tap("Ja, dat is goed")
    sent = await telegram.send("Versturen")  # typed instead of tapped
    done, offer = sent[-2:]  # the reference, then the offer in the neighbourhood
    assert done["chat_id"] == CHAT
    assert "WS-2026-00001" in done["text"]
    assert "Sociaal wijkteam Zaandam-Oost" in done["text"]
    assert "reply_markup" not in done
    # A report about someone else: the offer is for passing on.
    assert offer["text"].startswith(
        "Misschien is dit iets voor de persoon over wie u meldt. U kunt het doorgeven:"
    )
    async with engine.db.transaction() as tx:
        (signal,) = await tx.signals.all()
        person = await tx.people.get(CHAT)
    assert signal.team == "zaandam-oost" and signal.category == "zorgmijding"
    assert person is not None and signal.reporter_id == person.id
    answered = [c for c in telegram.request.calls if c.method == "answerCallbackQuery"]
    assert len(answered) == 8, "every tap is acknowledged so the client stops its spinner"
    await telegram.send("/mijngegevens")
    (document,) = [c for c in telegram.request.calls if c.method == "sendDocument"]
    assert document.params["chat_id"] == CHAT


async def test_photo_and_edited_message_get_a_kind_reply(telegram: OfflineChat) -> None:
    await telegram.send("/start")
    before = len(telegram.request.sent())
    bot = telegram.app.bot
    await telegram.app.process_update(photo_update(bot, telegram.next_update_id(), CHAT))
    await telegram.app.process_update(edited_update(bot, telegram.next_update_id(), CHAT, "oeps"))
    texts = [c.params["text"] for c in telegram.request.sent()[before:]]
    assert texts[0].startswith("Ik kan alleen tekst lezen.")
    assert texts[1] == "Over wie gaat het?"
    assert texts[2].startswith("U heeft een bericht aangepast.")
    assert texts[3] == "Over wie gaat het?"


async def test_a_redelivered_update_is_answered_once(telegram: OfflineChat) -> None:
    """Telegram may deliver an update again after a crash: no double replies."""
    update = text_update(telegram.app.bot, telegram.next_update_id(), CHAT, "/start")
    await telegram.app.process_update(update)
    count = len(telegram.request.sent())
    await telegram.app.process_update(update)
    assert len(telegram.request.sent()) == count


async def test_group_chats_are_ignored(telegram: OfflineChat) -> None:
    """The bot talks to one resident at a time, in a private chat only."""
    update = text_update(telegram.app.bot, telegram.next_update_id(), -100123, "/start")
    update.message.chat._unfreeze()  # type: ignore[union-attr]
    update.message.chat.type = "group"  # type: ignore[union-attr]
    await telegram.app.process_update(update)
    assert telegram.request.sent() == []


async def test_an_internal_error_is_told_plainly_and_loses_nothing(
    telegram: OfflineChat, engine: Engine
) -> None:
    """An exception in a turn: the error handler says sorry; the state is as before the turn."""

    async def broken(ctx: ActionContext) -> str | None:
        raise RuntimeError("boom")

    await telegram.send("/start")
    engine.actions = {**engine.actions, "prepare_summary": broken}
    await telegram.tap("Over de buurt")
    await telegram.send("Er is veel lawaai in de straat.")
    await telegram.tap("Ja")  # Gaat het over overlast of ruzie in de buurt?
    await telegram.tap("Nee")
    await telegram.send("1503")
    await telegram.tap("Nee, liever niet")
    sent = await telegram.tap("Ja, zonder naam melden")
    assert sent[-1]["text"].startswith("Sorry, er ging bij ons iets mis.")
    async with engine.db.transaction() as tx:
        state = await tx.conversations.get(CHAT)
    assert state.step == "anonymous_offer"


async def test_the_job_queue_wakes_the_bot_for_every_scheduled_task(engine: Engine) -> None:
    """Expiry sweep, digests, check-ins every minute and the nightly retention run."""
    from zoneinfo import ZoneInfo

    from bot.checkins import Checkins
    from bot.digests import Digests

    async def nightly() -> None:
        return None

    app = build_application("123456:TEST", request=OfflineRequest())
    attach_engine(
        app,
        engine,
        Digests(engine.config),
        nightly=(nightly, ZoneInfo("Europe/Amsterdam")),
        checkins=Checkins(engine.config),
    )
    assert app.job_queue is not None
    assert sorted(str(job.name) for job in app.job_queue.jobs()) == [
        "checkins",
        "digest",
        "expire",
        "nightly",
        "resend",
    ]


async def test_telegram_unreachable_at_start_is_retried_with_a_growing_pause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens on 127.0.0.1:9: each try is logged in one line, the pause doubles, and
    after the last try one line says the bot did not start (the token is never shown)."""
    from bot.channels.telegram import wait_for_telegram
    from bot.errors import WijksignaalError

    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    with caplog.at_level("WARNING"), pytest.raises(WijksignaalError) as failed:
        await wait_for_telegram("123456:SECRET", "http://127.0.0.1:9/bot", attempts=3, sleep=sleep)
    assert pauses == [1.0, 2.0]
    assert "Telegram is niet bereikbaar" in failed.value.problems[0]
    retries = [r.getMessage() for r in caplog.records if "opnieuw" in r.getMessage()]
    assert len(retries) == 2 and "SECRET" not in caplog.text + failed.value.problems[0]


class TimedRequest(OfflineRequest):
    """Notes when each message reaches Telegram."""

    def __init__(self) -> None:
        super().__init__(record=False)
        self.moments: list[float] = []

    async def before_call(self, api_method: str, params: dict[str, Any]) -> None:
        if api_method == "sendMessage":
            self.moments.append(time.monotonic())


async def test_the_rate_limiter_spreads_messages_instead_of_sending_bursts() -> None:
    """Thirty messages a second means one every 1/30 s: ten sent at once reach Telegram spread
    over about a third of a second, not in a burst that Telegram answers with 429."""
    request = TimedRequest()
    app = build_application("123456:TEST", request=request, rate_limit=True)
    await app.initialize()
    await asyncio.gather(*(app.bot.send_message(1000 + n, "hallo") for n in range(10)))
    await app.shutdown()
    gaps = [b - a for a, b in itertools.pairwise(request.moments)]
    assert len(request.moments) == 10
    assert request.moments[-1] - request.moments[0] >= 9 / 30 * 0.8
    assert min(gaps) >= 1 / 30 * 0.5, "no two messages left together"


async def test_a_picture_goes_with_its_text_as_caption_or_after_it(engine: Engine) -> None:
    """A short text without buttons is the picture's caption; a long one, or one with buttons,
    is sent first and the picture after it; a chat that blocked the bot gets neither."""
    from bot.channels.telegram import send
    from bot.engine import Button, Reply

    request = OfflineRequest()
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    png = b"\x89PNG\r\n\x1a\n" + bytes(40)
    assert await send(app.bot, Reply("Signalen per categorie", photo=png), CHAT)
    (photo,) = request.photos(CHAT)
    assert photo.params["caption"] == "Signalen per categorie" and photo.files["photo"] == png
    assert request.sent() == []
    long = "Wijkbeeld\n" + "regel\n" * 300
    assert await send(app.bot, Reply(long, (Button("Ja", "x:1"),), photo=png), CHAT)
    assert [c.method for c in request.calls[-2:]] == ["sendMessage", "sendPhoto"]
    assert "caption" not in request.calls[-1].params
    request.blocked_chats.add(CHAT)
    assert not await send(app.bot, Reply("Grafiek", photo=png), CHAT)
    assert len(request.photos()) == 2
    await app.shutdown()


SERVICE_MESSAGES = {
    "pinned message": {
        "pinned_message": {
            "message_id": 7,
            "date": 1_795_000_000,
            "chat": {"id": CHAT, "type": "private"},
            "text": "Over wie gaat het?",
        }
    },
    "auto-delete timer changed": {
        "message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}
    },
    "write access allowed": {"write_access_allowed": {"from_request": True}},
    "users shared": {"users_shared": {"request_id": 1, "users": [{"user_id": 99}]}},
}


@pytest.mark.parametrize("content", SERVICE_MESSAGES.values(), ids=SERVICE_MESSAGES.keys())
async def test_a_service_message_gets_no_answer_and_the_chat_goes_on(
    telegram: OfflineChat, engine: Engine, content: dict[str, Any]
) -> None:
    """Pinning a message, changing the auto-delete timer, allowing the bot to write: Telegram
    sends these as messages without text. The bot says nothing to them (no "Ik kan alleen
    tekst lezen"), takes them out of the inbox, and answers the next message as usual."""
    await telegram.send("/start")
    before = len(telegram.request.sent())
    update = service_update(telegram.app.bot, telegram.next_update_id(), CHAT, **content)
    async with engine.db.transaction() as tx:  # as InboxBot keeps it on arrival
        await tx.inbox.store([(update.update_id, update.to_json())], engine.clock.now())
    await telegram.app.process_update(update)
    assert telegram.request.sent()[before:] == []
    async with engine.db.transaction() as tx:
        assert await tx.inbox.pending() == [], "passed over, not left waiting"
    sent = await telegram.tap("Over mijzelf")
    assert sent[-1]["text"].startswith("Wat is er aan de hand?")
