"""The wijkbeeld's charts: valid PNGs of a phone's size, every text from the Dutch catalog, large
enough to read, and no suppressed number drawn."""

from __future__ import annotations

import textwrap
from datetime import datetime

import pytest
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from bot.channels.console import picture_size
from bot.config import Config
from bot.i18n import translate
from bot.wijkbeeld import Wijkbeeld, wijkbeeld
from bot.wijkbeeld_chart import categories_figure, charts, stacked, wait_figure
from storage import Database
from tests.conftest import AMS
from tests.wijkbeeld_data import PLAN, TEAM, prepare

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def report(db: Database, config: Config) -> Wijkbeeld:
    await prepare(db, config, PLAN)
    async with db.transaction() as tx:
        return await wijkbeeld(tx, TEAM, "2026Q4", config, NOW)


def texts(figure: object) -> list[Text]:
    return [t for t in figure.findobj(Text) if t.get_text()]  # type: ignore[attr-defined]


def flat(text: str) -> str:
    return " ".join(text.split())


async def test_both_charts_are_pngs_of_a_phone_screen(report: Wijkbeeld, config: Config) -> None:
    """Two PNGs of 1080 × 1350 pixels, each with its Dutch caption; stacked for a file."""
    made = charts(report, config, "nl")
    assert [caption for caption, _png in made] == [
        translate("wijkbeeld.chart.categories.caption", "nl"),
        translate("wijkbeeld.chart.wait.caption", "nl"),
    ]
    for _caption, png in made:
        assert png.startswith(PNG) and picture_size(png) == (1080, 1350)
    both = stacked(report, config, "nl")
    assert both.startswith(PNG) and picture_size(both) == (1080, 2700)


async def test_the_category_chart_speaks_the_catalogs_words(
    report: Wijkbeeld, config: Config
) -> None:
    """Title, axis, quarters, category names, "< 5" and the note come from the nl catalog, each
    at 12 points or more; only the categories with a shown count are drawn."""
    figure = categories_figure(report, config, "nl")
    found = {flat(t.get_text()) for t in texts(figure)}
    expected = {
        translate("wijkbeeld.chart.categories.title", "nl", team="Sociaal wijkteam Zaandam-Noord"),
        translate("wijkbeeld.chart.categories.axis", "nl"),
        translate("wijkbeeld.chart.left_out", "nl"),
        translate("wijkbeeld.chart.small", "nl"),
        "K1 2026",
        "K2 2026",
        "K3 2026",
        "K4 2026",
        translate("category.eenzaamheid", "nl"),
        translate("category.geldzorgen", "nl"),
    }
    numbers = {t for t in found if t.replace("−", "").isdigit()}  # the axis's tick labels
    assert found - numbers == expected
    assert all(float(t.get_fontsize()) >= 12 for t in texts(figure))
    (ax,) = figure.axes
    widths = sorted(round(p.get_width()) for p in ax.patches if isinstance(p, Rectangle))
    assert widths == [5, 11, 15, 17], "only shown counts are drawn: Q3 and Q4 of two categories"


async def test_the_pick_up_chart_speaks_the_catalogs_words(
    report: Wijkbeeld, config: Config
) -> None:
    """Per quarter the working days within which half were picked up, and the share in time;
    quarters with fewer than 5 signals say "< 5" instead of a bar."""
    figure = wait_figure(report, config, "nl")
    found = [flat(t.get_text()) for t in texts(figure)]
    title = translate("wijkbeeld.chart.wait.title", "nl", team="Sociaal wijkteam Zaandam-Noord")
    assert title in found
    assert translate("wijkbeeld.chart.wait.axis", "nl") in found
    assert found.count("< 5") == 2
    assert "3 100% op tijd" in found and "1 71% op tijd" in found
    assert all(float(t.get_fontsize()) >= 12 for t in texts(figure))
    (ax,) = figure.axes
    heights = [round(p.get_height()) for p in ax.patches if isinstance(p, Rectangle)]
    assert heights == [3, 1]


async def test_english_texts_in_english(report: Wijkbeeld, config: Config) -> None:
    """The same chart for someone who chose English: the en catalog's words."""
    figure = categories_figure(report, config, "en")
    found = {flat(t.get_text()) for t in texts(figure)}
    assert {"Q4 2026", translate("category.eenzaamheid", "en")} <= found
    assert translate("wijkbeeld.chart.categories.axis", "en") == "Number of signals"
    assert "Number of signals" in found


async def test_too_few_signals_give_one_sentence_not_an_empty_axis(
    db: Database, config: Config
) -> None:
    """A team without signals: each chart is one plain sentence, no axes."""
    async with db.transaction() as tx:
        empty = await wijkbeeld(tx, "westzaan", "2026Q4", config, NOW)
    for figure in (categories_figure(empty, config, "nl"), wait_figure(empty, config, "nl")):
        (ax,) = figure.axes
        assert not ax.axison
        sentence = textwrap.fill(translate("wijkbeeld.chart.empty", "nl"), 30)
        assert [t.get_text() for t in ax.texts] == [sentence]
