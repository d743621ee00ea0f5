"""Council members' client-experience log and the quarterly report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.engine import Engine
from bot.feedback import (
    MIN_ANSWERS,
    QuarterReport,
    quarter_report,
    report_chart,
)
from tests.conftest import AMS, Chat
from tests.test_team import join

COUNCIL, MEMBER, OTHER = 800, 500, 600


async def log(
    chat: Chat,
    agree: bool = True,
    well: str = "Overslaan",
    better: str = "Overslaan",
    skip: tuple[int, ...] = (),
) -> None:
    await chat.command("/ervaring")
    await chat.tap("Ja")
    await chat.tap("Een gesprek")
    await chat.tap("Deze maand")
    for n in range(1, 11):
        if n in skip:
            await chat.tap("Overslaan")
        elif n == 5:
            await chat.tap("Ja" if agree else "Nee")
        else:
            await chat.tap("Mee eens" if agree else "Niet mee eens")
    for text in (well, better):
        if text == "Overslaan":
            await chat.tap("Overslaan")
        else:
            await chat.say(text)
    await chat.tap("Opslaan")
    assert chat.last.startswith(
        "Dank u wel. De ervaring is bewaard bij Sociaal wijkteam Zaandam-Noord"
    )


async def test_no_consent_stores_nothing(engine: Engine) -> None:
    council = await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    assert council.last.startswith("Welkom. U volgt nu Sociaal wijkteam Zaandam-Noord.")
    await council.command("/ervaring")
    assert council.last.startswith("Heeft de cliënt goedgevonden")
    await council.tap("Nee")
    assert council.last == "Goed. Er is niets bewaard."
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT count(*) FROM feedback") == [(0,)]


async def test_a_log_with_skips_bad_input_and_names_removed(engine: Engine) -> None:
    council = await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    await council.command("/ervaring")
    await council.tap("Ja")
    await council.say("gisteren")  # text where buttons are asked
    assert "Kies een van de knoppen" in council.replies[0].text
    await council.tap("Bij de cliënt thuis")
    await council.tap("Vorige maand")
    for n in range(1, 11):
        await council.tap("Overslaan" if n in (2, 5) else "Helemaal mee eens")
    await council.say("Mevrouw Jansen vond het fijn dat Karin snel belde op 06-12345678.")
    await council.tap("Overslaan")
    removed = [r.text for r in council.replies if r.text.startswith("Dit heb ik weggehaald")]
    assert removed and "Jansen" in removed[0] and "06-12345678" in removed[0]
    assert "Antwoorden op stellingen: 8 van de 10" in council.last
    assert "Jansen" not in council.last and "[weggehaald]" in council.last
    await council.tap("Opslaan")
    async with engine.db.transaction() as tx:
        rows = await tx.read("SELECT quarter, month, contact_kind, answers FROM feedback")
    assert rows[0][:3] == ("2026Q4", "2026-10", "huisbezoek")
    assert '"2": "overslaan"' in rows[0][3]


async def test_only_council_members_log(engine: Engine) -> None:
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    await member.command("/ervaring")
    assert member.last.startswith("Dit is voor leden van een seniorenraad")
    resident = Chat(engine, 42)
    await resident.command("/ervaring")
    assert resident.last.startswith("Dit is voor leden van een seniorenraad")
    await resident.command("/rapport")
    assert resident.last.startswith("Het rapport is voor raadsleden")


async def test_figures_from_fewer_than_five_answers_are_not_shown(
    engine: Engine, config: Config
) -> None:
    council = await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    for n in range(MIN_ANSWERS - 1):
        await log(council, well=f"Het ging goed, keer {n}.")
    await council.command("/rapport")
    text = council.replies[0].text
    assert "2026Q4: 4 gesprekken" in text
    assert text.count("minder dan 5 antwoorden: niet getoond") == 10
    assert "Het ging goed" not in text
    await log(council, agree=False)
    member = await join(engine, MEMBER, "teamlid", "zaandam-noord", "Anna")
    await member.command("/rapport")
    text = member.replies[0].text
    assert "1. Ik wist waar ik moest zijn met mijn hulpvraag. 80% (5 antwoorden)" in text
    assert "5. Wist u dat u gebruik kon maken" in text and "80%" in text
    assert "Wat cliënten zeiden" in text and text.count("Het ging goed, keer") == 4
    await council.command("/rapport")
    assert "Wat cliënten zeiden" not in council.replies[0].text, "open answers: team only"


async def test_the_change_against_the_previous_quarter(
    engine: Engine, config: Config, clock: FakeClock
) -> None:
    council = await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    clock.set(datetime(2026, 9, 15, 10, 0, tzinfo=AMS))
    for _ in range(5):
        await log(council, agree=False)
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=AMS))
    for _ in range(5):
        await log(council, agree=True)
    async with engine.db.transaction() as tx:
        report = await quarter_report(tx, "zaandam-noord", "2026Q4", with_open_answers=False)
    assert report.shares[1].share == 1.0 and report.previous[1].share == 0.0
    await council.command("/rapport 2026Q4")
    assert "100% (5 antwoorden), +100 punten t.o.v. het vorige kwartaal" in council.replies[0].text


async def test_a_member_of_another_team_sees_only_their_own(engine: Engine) -> None:
    council = await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    await log(council)
    other = await join(engine, OTHER, "teamlid", "krommenie", "Cor")
    await other.command("/rapport zaandam-noord")
    assert other.last.startswith("Het rapport is voor raadsleden")
    await other.command("/rapport")
    assert "Krommenie" in other.replies[0].text and "0 gesprekken" in other.replies[0].text


async def test_the_chart_is_a_valid_png(engine: Engine, config: Config) -> None:
    council = await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    for _ in range(5):
        await log(council)
    async with engine.db.transaction() as tx:
        report = await quarter_report(tx, "zaandam-noord", "2026Q4", with_open_answers=False)
    png = report_chart(report, config, "nl")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and 5_000 < len(png) < 500_000
    await council.command("/rapport")
    assert council.replies[0].photo is not None
    assert council.replies[0].photo.startswith(b"\x89PNG")


async def test_a_council_members_report_without_postcode_goes_to_the_adopted_team(
    engine: Engine,
) -> None:
    council = await join(engine, COUNCIL, "raadslid", "krommenie", "Els")
    await council.command("/start")
    await council.tap("Over iemand anders")
    await council.say("Een cliënt kan de rekeningen niet meer betalen.")
    await council.tap("Ja")
    await council.tap("Nee")
    await council.tap("Ja")
    await council.tap("Weet ik niet")
    await council.tap("Nee, liever niet")
    await council.tap("Ja, zonder naam melden")
    await council.tap("Versturen")
    async with engine.db.transaction() as tx:
        (signal,) = await tx.signals.all()
    assert signal.team == "krommenie" and signal.source == "raadslid"
    assert signal.route_reason.startswith("Gemeld door een raadslid")


async def test_a_log_and_the_report_through_the_application(engine: Engine) -> None:
    from bot.channels.telegram import attach_engine, build_application
    from bot.channels.telegram_offline import OfflineChat, OfflineRequest

    await join(engine, COUNCIL, "raadslid", "zaandam-noord", "Els")
    request = OfflineRequest()
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    attach_engine(app, engine)
    council = OfflineChat(app, request, COUNCIL)
    await council.send("/ervaring")
    for label in ("Ja", "Aan de telefoon", "Deze maand", *["Neutraal"] * 4, "Nee"):
        await council.tap(label)
    for _ in range(5):
        await council.tap("Mee eens")
    await council.send("Snel geholpen.")
    await council.tap("Overslaan")
    sent = await council.tap("Opslaan")
    assert sent[-1]["text"].startswith("Dank u wel. De ervaring is bewaard")
    await council.send("/rapport")
    (photo,) = request.photos()
    assert photo.params["chat_id"] == COUNCIL and photo.files["photo"].startswith(b"\x89PNG")
    await app.shutdown()


async def test_a_coordinator_names_the_team(engine: Engine) -> None:
    coordinator = await join(engine, 700, "coordinator", None, "Dina")
    await coordinator.command("/rapport")
    assert coordinator.last.startswith("Van welk team wilt u het rapport?")
    await coordinator.command("/rapport krommenie 2026Q4")
    assert "Krommenie, 2026Q4: 0 gesprekken" in coordinator.replies[0].text


def test_an_empty_chart_says_no_data_yet_instead_of_an_empty_axis(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer than five answers to every statement: one plain sentence, no axes at all."""
    from bot import feedback

    drawn: list[Any] = []
    original = feedback._png

    def keep(fig: Any) -> bytes:
        drawn.append(fig)
        return original(fig)

    monkeypatch.setattr(feedback, "_png", keep)
    empty = QuarterReport("krommenie", "2026Q4", 0, {}, {}, [])
    png = report_chart(empty, config, "nl")
    assert png.startswith(b"\x89PNG")
    (ax,) = drawn[0].axes
    assert not ax.axison
    assert [t.get_text() for t in ax.texts] == ["Nog geen gegevens: minder dan 5 antwoorden"]
