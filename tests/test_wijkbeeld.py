"""The wijkbeeld: its figures on a prepared database, what it never shows, suppression with the
totals, and who may see which team (through the real Application)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.config import Config
from bot.domain import CATEGORIES
from bot.engine import Engine
from bot.suppression import GRAND, Mark
from bot.wijkbeeld import Writer, median_wait, share, wijkbeeld
from storage import Database
from tests.conftest import AMS
from tests.test_suppression import computed_back
from tests.test_team import join
from tests.wijkbeeld_data import MONDAY_Q3, MONDAY_Q4, PLAN, SECRET, TEAM, Made, prepare

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)


@pytest.fixture
async def prepared(db: Database, config: Config) -> Database:
    await prepare(db, config, PLAN)
    return db


async def report_of(db: Database, config: Config, quarter: str = "2026Q4", team: str = TEAM):
    async with db.transaction() as tx:
        return await wijkbeeld(tx, team, quarter, config, NOW)


async def test_counts_this_quarter_and_the_last(prepared: Database, config: Config) -> None:
    """Per area and category, per area, per category and in all: the team's signals made in the
    quarter (another team's and a later quarter's are not counted); under 5 is suppressed."""
    report = await report_of(prepared, config)
    now, before = report.now, report.before
    assert now.count(GRAND) == (31, Mark.SHOWN) and before.count(GRAND) == (23, Mark.SHOWN)
    assert now.count(("1503", None)) == (18, Mark.SHOWN)
    assert now.count((None, "eenzaamheid")) == (17, Mark.SHOWN)
    assert now.count(("1503", "eenzaamheid")) == (10, Mark.SHOWN)
    assert now.count(("1504", "geldzorgen")) == (5, Mark.SHOWN)
    assert now.count(("1503", "overlast")) == (None, Mark.SMALL)
    assert now.count((None, "mantelzorg")) == (None, Mark.SMALL)
    assert before.count(("1504", "geldzorgen")) == (None, Mark.SMALL), "no signals then: 0"
    assert report.areas == ["1503", "1504"]
    assert [q.quarter for q in report.history] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]


async def test_closing_pick_up_and_answers_of_one_cell(prepared: Database, config: Config) -> None:
    """1503 eenzaamheid: of 6 closed, 3 with a collective offer; picked up after 0, 0, 0, 2, 2,
    2, 5, 5 working days (median 2); 6 of 10 by the deadline (the 2 never picked up are late
    by now); answers beter 6, hetzelfde 2, slechter 2."""
    report = await report_of(prepared, config)
    tally = report.now.derived(("1503", "eenzaamheid"))
    assert tally is not None
    assert (tally.closed, tally.collective) == (6, 3) and share(3, 6) == 0.5
    assert sorted(tally.waits) == [0, 0, 0, 2, 2, 2, 5, 5] and median_wait(tally) == 2
    assert (tally.decided, tally.in_time) == (10, 6)
    assert report.now.answer("beter", ("1503", "eenzaamheid")) == (6, Mark.SHOWN)
    assert report.now.answer("slechter", ("1503", "eenzaamheid")) == (None, Mark.SMALL)
    text = Writer(report, config, "nl").text()
    assert (
        "- Eenzaamheid: 10 (vorig kwartaal 6, +4); afgerond met collectief aanbod 50%, met hulp"
        " voor één persoon 50%; de helft opgepakt binnen 2 werkdagen; 60% op tijd opgepakt;"
        " antwoord op 'Hoe gaat het nu?': beter 6, hetzelfde minder dan 5, slechter minder dan 5"
    ) in text
    assert "- Signalen: 31 (vorig kwartaal 23, +8);" in text


async def test_a_figure_from_fewer_than_five_signals_is_not_shown(
    prepared: Database, config: Config
) -> None:
    """1504 geldzorgen has 5 signals but none closed: no shares; its count last quarter was
    under 5, so no change either; a suppressed count carries no figures at all."""
    report = await report_of(prepared, config)
    writer = Writer(report, config, "nl")
    assert writer.line(("1504", "geldzorgen")) == (
        "- Geldzorgen of schulden: 5 (vorig kwartaal minder dan 5);"
        " de helft opgepakt binnen 4 werkdagen; 0% op tijd opgepakt"
    )
    overlast = writer.line(("1503", "overlast"))
    assert overlast == "- Overlast of ruzie in de buurt: minder dan 5 (vorig kwartaal minder dan 5)"
    assert report.now.derived(("1503", "overlast")) is None


async def test_a_deadline_still_open_is_not_counted_as_late(db: Database, config: Config) -> None:
    """Made today and not picked up yet: it counts as a signal, not yet for "op tijd"."""
    await prepare(db, config, [Made(5, "eenzaamheid", "1503", NOW, None)])
    report = await report_of(db, config)
    tally = report.now.derived(GRAND)
    assert tally is not None and (tally.count, tally.decided, tally.waits) == (5, 0, [])


async def test_nothing_that_names_a_person_is_shown(prepared: Database, config: Config) -> None:
    """No description, note, full postcode, reference or team member's name, in text or CSV."""
    report = await report_of(prepared, config)
    writer = Writer(report, config, "nl")
    for shown in (writer.text(), writer.csv(), Writer(report, config, "en").text()):
        for secret in (SECRET, "Jansen", "1503 AB", "1503AB", "WS-2026", "Anna", "Notitie"):
            assert secret not in shown


async def test_the_csv_has_a_row_per_area_and_category_with_markers(
    prepared: Database, config: Config
) -> None:
    """One row per PC4 × category, then the totals; suppressed cells say so in words."""
    report = await report_of(prepared, config)
    rows = list(csv.DictReader(io.StringIO(Writer(report, config, "nl").csv())))
    assert len(rows) == 2 * (len(CATEGORIES) + 1) + len(CATEGORIES) + 1
    by = {(r["postcode4"], r["category"]): r for r in rows}
    assert by[("1503", "eenzaamheid")]["signals"] == "10"
    assert by[("1503", "eenzaamheid")]["median_working_days"] == "2"
    assert by[("1503", "eenzaamheid")]["share_collective"] == "0.50"
    assert by[("1503", "overlast")]["signals"] == "minder dan 5"
    assert by[("1503", "overlast")]["share_collective"] == "niet getoond"
    assert by[("alle", "alle")]["signals"] == "31" and by[("alle", "alle")]["change"] == "+8"


async def test_no_suppressed_number_of_the_report_can_be_computed_back(
    prepared: Database, config: Config
) -> None:
    """Every table the report shows (this quarter, the last, each answer) withstands the attack."""
    report = await report_of(prepared, config)
    for figures in (report.now, report.before):
        tables = [figures.counts, *figures.answers.values()]
        for table in tables:
            pinned = computed_back(table.rows, table.columns, table.values, table.marks)
            assert pinned == []


async def test_a_category_that_would_give_a_small_one_away_is_hidden(
    db: Database, config: Config
) -> None:
    """One area, nine categories of 6 or more and one of 2: the total minus the nine would give
    the 2 back, so the smallest other category is "niet getoond" too, per category and in the
    area; the totals stay, and the attack finds nothing."""
    plan = [
        Made(6 + n, category, "1503", MONDAY_Q4, 1)
        for n, category in enumerate(c for c in CATEGORIES if c != "overlast")
    ]
    plan.append(Made(2, "overlast", "1503", MONDAY_Q4, 1))
    await prepare(db, config, plan)
    report = await report_of(db, config)
    counts = report.now.counts
    assert counts.mark(("1503", "overlast")) is Mark.SMALL
    assert counts.mark(("1503", "eenzaamheid")) is Mark.HIDDEN  # 6, the smallest
    assert counts.mark((None, "eenzaamheid")) is Mark.HIDDEN
    assert report.now.count(GRAND) == (sum(range(6, 15)) + 2, Mark.SHOWN)
    assert computed_back(counts.rows, counts.columns, counts.values, counts.marks) == []
    text = Writer(report, config, "nl").text()
    assert "- Eenzaamheid: niet getoond (vorig kwartaal minder dan 5)" in text
    assert "6 (vorig" not in text


async def test_a_category_that_fell_under_five_keeps_its_line(db: Database, config: Config) -> None:
    """Geldzorgen went from 6 to 2: its own line says so; categories under 5 in both quarters
    share one line."""
    await prepare(
        db,
        config,
        [
            Made(6, "geldzorgen", "1503", MONDAY_Q3, 1),
            Made(2, "geldzorgen", "1503", MONDAY_Q4, 1),
            Made(9, "eenzaamheid", "1503", MONDAY_Q4, 1),
        ],
    )
    text = Writer(await report_of(db, config), config, "nl").text()
    assert "- Geldzorgen of schulden: minder dan 5 (vorig kwartaal 6)" in text
    assert text.count("- Andere categorieën: minder dan 5") == 2  # per category, in 1503


async def test_signals_without_a_postcode_are_an_area_of_their_own(
    db: Database, config: Config
) -> None:
    """Reports without a postcode (a council member's, for instance) come last, as such."""
    await prepare(
        db,
        config,
        [Made(5, "eenzaamheid", None, MONDAY_Q4, 1), Made(6, "eenzaamheid", "1504", MONDAY_Q4, 1)],
    )
    report = await report_of(db, config)
    assert report.areas == ["1504", ""]
    text = Writer(report, config, "nl").text()
    assert "\n\nZonder postcode: 5 (vorig kwartaal minder dan 5);" in text
    assert text.index("Postcode 1504: 6") < text.index("Zonder postcode: 5")
    rows = list(csv.DictReader(io.StringIO(Writer(report, config, "nl").csv())))
    assert [r["signals"] for r in rows if r["postcode4"] == "" and r["category"] == "alle"] == ["5"]


async def test_an_empty_quarter_says_under_five_everywhere(db: Database, config: Config) -> None:
    """No signals: every number is "minder dan 5", and no chart number is invented."""
    report = await report_of(db, config, "2026Q2")
    text = Writer(report, config, "nl").text()
    assert "- Signalen: minder dan 5 (vorig kwartaal minder dan 5)" in text
    assert report.areas == []


async def test_a_signal_handed_to_another_team_counts_there(db: Database, config: Config) -> None:
    """Counted for the team it is with now, in the quarter it was made."""
    await prepare(db, config, [Made(5, "eenzaamheid", "1503", MONDAY_Q3, 1)])
    async with db.transaction() as tx:
        for signal in await tx.signals.all():
            await tx.signals.change(
                signal, NOW, "Anna", "doorgestuurd:krommenie", "doorgestuurd", team="krommenie"
            )
    assert (await report_of(db, config, "2026Q3")).now.count(GRAND) == (None, Mark.SMALL)
    moved = await report_of(db, config, "2026Q3", team="krommenie")
    assert moved.now.count(GRAND) == (5, Mark.SHOWN)


# -- who sees what, through python-telegram-bot's Application ---------------------------------

MEMBER, COUNCIL, COORDINATOR, RESIDENT, OTHER = 500, 800, 700, 42, 600


@pytest.fixture
async def telegram(
    engine: Engine, config: Config, clock: FakeClock
) -> AsyncIterator[dict[str, Any]]:
    from bot.channels.telegram import attach_engine, build_application
    from bot.channels.telegram_offline import OfflineChat, OfflineRequest

    await prepare(engine.db, config, PLAN)
    await join(engine, MEMBER, "teamlid", TEAM, "Anna")
    await join(engine, OTHER, "teamlid", "krommenie", "Cor")
    await join(engine, COUNCIL, "raadslid", "krommenie", "Els")
    await join(engine, COORDINATOR, "coordinator", None, "Dina")
    request = OfflineRequest()
    app = build_application("123456:TEST", request=request)
    await app.initialize()
    attach_engine(app, engine)
    chats = {n: OfflineChat(app, request, n) for n in (MEMBER, COUNCIL, COORDINATOR, RESIDENT)}
    yield {"request": request, **{str(k): v for k, v in chats.items()}}
    await app.shutdown()


async def test_a_team_member_sees_their_own_team_with_two_charts(
    telegram: dict[str, Any],
) -> None:
    """/wijkbeeld: the text and two pictures with their captions; another team is refused."""
    member, request = telegram[str(MEMBER)], telegram["request"]
    sent = await member.send("/wijkbeeld")
    assert sent[0]["text"].startswith("Wijkbeeld van Sociaal wijkteam Zaandam-Noord, 2026Q4.")
    photos = request.photos(MEMBER)
    assert [p.params["caption"] for p in photos] == [
        "Signalen per categorie in de laatste vier kwartalen.",
        "Hoe snel signalen zijn opgepakt, in de laatste vier kwartalen.",
    ]
    assert all(p.files["photo"].startswith(b"\x89PNG\r\n\x1a\n") for p in photos)
    sent = await member.send("/wijkbeeld krommenie")
    assert sent[-1]["text"] == (
        "U kunt alleen het wijkbeeld van uw eigen team zien: Sociaal wijkteam Zaandam-Noord."
    )
    assert len(request.photos(MEMBER)) == 2
    sent = await member.send("/wijkbeeld q3 2026")
    assert sent[0]["text"].startswith("Wijkbeeld van Sociaal wijkteam Zaandam-Noord, 2026Q3.")


async def test_a_council_member_sees_only_the_adopted_team(telegram: dict[str, Any]) -> None:
    """A raadslid of Krommenie gets Krommenie's wijkbeeld, and not Zaandam-Noord's."""
    council, request = telegram[str(COUNCIL)], telegram["request"]
    sent = await council.send("/wijkbeeld")
    assert sent[0]["text"].startswith("Wijkbeeld van Sociaal wijkteam Krommenie, 2026Q4.")
    assert "- Signalen: 20 (vorig kwartaal minder dan 5)" in sent[0]["text"]
    assert len(request.photos(COUNCIL)) == 2
    sent = await council.send(f"/wijkbeeld {TEAM} 2026Q4")
    assert sent[-1]["text"].startswith("U kunt alleen het wijkbeeld van uw eigen team zien")
    assert len(request.photos(COUNCIL)) == 2


async def test_a_coordinator_chooses_any_team(telegram: dict[str, Any]) -> None:
    """Without a team: a button per team; a tap, or the team typed, gives that team's picture."""
    coordinator, request = telegram[str(COORDINATOR)], telegram["request"]
    sent = await coordinator.send("/wijkbeeld 2026-Q4")
    assert sent[-1]["text"] == "Van welk team wilt u het wijkbeeld zien?"
    labels = [row[0]["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"]]
    assert labels[0] == "Sociaal wijkteam Assendelft" and len(labels) == 10, "every team"
    sent = await coordinator.tap("Sociaal wijkteam Zaandam-Noord")
    assert sent[0]["text"].startswith("Wijkbeeld van Sociaal wijkteam Zaandam-Noord, 2026Q4.")
    sent = await coordinator.send("/wijkbeeld krommenie")
    assert sent[0]["text"].startswith("Wijkbeeld van Sociaal wijkteam Krommenie")
    assert len(request.photos(COORDINATOR)) == 4


async def test_anyone_else_is_told_it_is_not_for_them(
    telegram: dict[str, Any], engine: Engine
) -> None:
    """A resident, a revoked member and a forged button get one sentence and no figures."""
    resident, request = telegram[str(RESIDENT)], telegram["request"]
    refused = "Het wijkbeeld is voor het wijkteam, de coördinator en raadsleden."
    assert (await resident.send("/wijkbeeld"))[-1]["text"] == refused
    assert (await resident.send(f"/wijkbeeld {TEAM}"))[-1]["text"] == refused
    from bot.channels.telegram_offline import button_update

    before = len(request.calls)
    await resident.app.process_update(
        button_update(resident.app.bot, resident.next_update_id(), RESIDENT, f"wb:{TEAM} 2026Q4")
    )
    assert [c.params["text"] for c in request.calls[before:] if c.method == "sendMessage"] == [
        refused
    ]
    async with engine.db.transaction() as tx:
        await tx.members.revoke(MEMBER, NOW)
    assert (await telegram[str(MEMBER)].send("/wijkbeeld"))[-1]["text"] == refused
    assert request.photos(RESIDENT) == [] and request.photos(MEMBER) == []


async def test_a_typo_gets_the_teams_one_may_choose(telegram: dict[str, Any]) -> None:
    """An unknown team or a quarter that does not exist: what was not understood, and the ids."""
    member = telegram[str(MEMBER)]
    sent = await member.send("/wijkbeeld 2026Q5")
    assert sent[-1]["text"] == (
        "Dat ken ik niet: 2026Q5. Typ bijvoorbeeld /wijkbeeld zaandam-noord 2026Q4."
        " U kunt kiezen uit: zaandam-noord."
    )


async def test_help_names_the_wijkbeeld_for_those_who_may_see_it(engine: Engine) -> None:
    """/hulp of a team member, a council member and a coordinator lists /wijkbeeld; a
    resident's does not; a new council member hears of it in the welcome."""
    from tests.conftest import Chat

    council = await join(engine, COUNCIL, "raadslid", "krommenie", "Els")
    assert "Met /wijkbeeld ziet u wat de signalen zeggen over de wijk." in council.last
    for chat in (
        await join(engine, MEMBER, "teamlid", TEAM, "Anna"),
        council,
        await join(engine, COORDINATOR, "coordinator", None, "Dina"),
    ):
        await chat.command("/hulp")
        assert "/wijkbeeld" in chat.replies[0].text
    resident = Chat(engine, RESIDENT)
    await resident.command("/hulp")
    assert "/wijkbeeld" not in resident.replies[0].text


async def test_the_charts_are_drawn_after_the_turn_with_the_database_free(
    telegram: dict[str, Any], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the query is part of the turn: the figures and both charts come after its commit,
    so other chats' turns need not wait for the drawing; the pictures still arrive."""
    import bot.wijkbeeld_chart

    held: list[bool] = []
    draw = bot.wijkbeeld_chart.charts

    def charts(*args: Any) -> Any:
        held.append(engine.db._lock.locked())
        return draw(*args)

    monkeypatch.setattr(bot.wijkbeeld_chart, "charts", charts)
    member, request = telegram[str(MEMBER)], telegram["request"]
    sent = await member.send("/wijkbeeld")
    assert sent[0]["text"].startswith("Wijkbeeld van Sociaal wijkteam Zaandam-Noord, 2026Q4.")
    assert held == [False], "the database was held while the charts were drawn"
    assert len(request.photos(MEMBER)) == 2
    async with engine.db.transaction() as tx:
        assert await tx.read("SELECT id FROM reply_queue") == [], "every reply was delivered"


async def test_the_signals_are_read_page_by_page_with_the_same_result(
    prepared: Database, config: Config
) -> None:
    """Read in pages of three (in one transaction, or each in its own after a turn), the rows
    are the same as in one read: none skipped at a page's edge, none twice."""
    from bot.quarters import quarters_up_to
    from bot.wijkbeeld import HISTORY, read_rows, read_rows_apart

    quarters = quarters_up_to("2026Q4", HISTORY)
    async with prepared.transaction() as tx:
        whole = await read_rows(tx, TEAM, quarters, config.timezone, page=10**6)
        paged = await read_rows(tx, TEAM, quarters, config.timezone, page=3)
    apart = await read_rows_apart(prepared, TEAM, quarters, config.timezone, page=3)
    assert len(whole) > 6
    assert paged == whole and apart == whole
    assert len({row[-1] for row in whole}) == len(whole)
