"""The wijkbeeld's two charts, sized for a phone: signals per category over the last four
quarters, and how quickly signals were picked up in those quarters.

Drawn with matplotlib's object interface (no pyplot: safe in a worker thread), imported only
when a chart is drawn, so that starting the bot stays fast. A suppressed number is never drawn:
its place says "< 5" or "niet getoond". Every text comes from the catalogs.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from bot.config import Config
from bot.domain import CATEGORIES
from bot.i18n import N_, translate
from bot.suppression import GRAND, Mark
from bot.wijkbeeld import Wijkbeeld, decimal, median_wait, share

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE = (7.2, 9.0)  # inches; at DPI a portrait picture of 1080 × 1350 pixels
DPI = 150
FONT = 14  # points; nothing smaller than 12
COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")  # the oldest quarter lightest
MARK_TEXTS = {Mark.SMALL: N_("wijkbeeld.chart.small"), Mark.HIDDEN: N_("wijkbeeld.hidden")}


def quarter_label(quarter: str, lang: str) -> str:
    return translate(N_("wijkbeeld.chart.quarter"), lang, year=quarter[:4], q=quarter[5])


def _figure(title: str, report: Wijkbeeld, config: Config, lang: str) -> tuple[Figure, Axes]:
    """A phone-sized figure with one plot, titled with the catalog's ``title`` for the team."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE, dpi=DPI)
    text = translate(title, lang, team=config.team_name(report.team))
    figure.suptitle(textwrap.fill(text, 40), fontsize=FONT + 2)
    return figure, figure.add_subplot()


def _empty(ax: Axes, lang: str) -> None:
    ax.axis("off")
    text = translate(N_("wijkbeeld.chart.empty"), lang)
    ax.text(0.5, 0.5, textwrap.fill(text, 30), ha="center", va="center", fontsize=FONT + 2)


def categories_figure(report: Wijkbeeld, config: Config, lang: str) -> Figure:
    """Horizontal bars: per category one bar per quarter; categories that stayed under 5 in
    every quarter are left out and said so underneath."""
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    figure, ax = _figure(N_("wijkbeeld.chart.categories.title"), report, config, lang)
    drawn = [
        c
        for c in CATEGORIES
        if any(q.count((None, c))[1] is not Mark.SMALL for q in report.history)
    ]
    if not drawn:
        _empty(ax, lang)
        return figure
    height = 0.8 / len(report.history)
    for n, figures in enumerate(report.history):
        for row, category in enumerate(drawn):
            y = row + (n - (len(report.history) - 1) / 2) * height
            value, mark = figures.count((None, category))
            if value is None:
                text = translate(MARK_TEXTS[mark], lang)
                ax.text(0.2, y, text, va="center", fontsize=FONT - 2, color="#444444")
                continue
            ax.barh(y, value, height=height, color=COLOURS[n % len(COLOURS)])
    ax.legend(
        handles=[
            Patch(color=COLOURS[n % len(COLOURS)], label=quarter_label(q.quarter, lang))
            for n, q in enumerate(report.history)
        ],
        fontsize=FONT - 2,
        loc="lower right",
    )
    ax.set_ylim(len(drawn) - 0.5, -0.5)  # the first category at the top
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yticks(range(len(drawn)))
    ax.set_yticklabels(
        [textwrap.fill(translate(f"category.{c}", lang), 16) for c in drawn], fontsize=FONT - 2
    )
    ax.set_xlabel(translate(N_("wijkbeeld.chart.categories.axis"), lang), fontsize=FONT)
    ax.tick_params(axis="x", labelsize=FONT - 2)
    if len(drawn) < len(CATEGORIES):
        note = translate(N_("wijkbeeld.chart.left_out"), lang)
        figure.text(0.5, 0.01, textwrap.fill(note, 50), ha="center", fontsize=FONT - 2)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def wait_figure(report: Wijkbeeld, config: Config, lang: str) -> Figure:
    """Per quarter a bar: the working days within which half of the signals were picked up,
    with the share picked up in time above it."""
    from matplotlib.ticker import MaxNLocator

    figure, ax = _figure(N_("wijkbeeld.chart.wait.title"), report, config, lang)
    labels = [quarter_label(q.quarter, lang) for q in report.history]
    tallies = [q.derived(GRAND) for q in report.history]
    waits = [median_wait(t) if t else None for t in tallies]
    if all(w is None for w in waits):
        _empty(ax, lang)
        return figure
    top = max(w for w in waits if w is not None) or 1.0
    for n, (tally, wait) in enumerate(zip(tallies, waits, strict=True)):
        if wait is None:
            text = translate(MARK_TEXTS[Mark.SMALL], lang)
            ax.text(n, 0.05 * top, text, ha="center", fontsize=FONT - 2)
            continue
        ax.bar(n, wait, color=COLOURS[n % len(COLOURS)], width=0.6)
        in_time = share(tally.in_time, tally.decided) if tally else None
        above = decimal(wait, lang)
        if in_time is not None:
            above += "\n" + translate(
                N_("wijkbeeld.chart.wait.in_time"), lang, share=round(in_time * 100)
            )
        ax.text(n, wait + 0.03 * top, above, ha="center", va="bottom", fontsize=FONT - 1)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, fontsize=FONT - 2)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylim(0, top * 1.35)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis = translate(N_("wijkbeeld.chart.wait.axis"), lang)
    ax.set_ylabel(textwrap.fill(axis, 35), fontsize=FONT)
    ax.tick_params(axis="y", labelsize=FONT - 2)
    figure.tight_layout()
    return figure


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def charts(report: Wijkbeeld, config: Config, lang: str) -> list[tuple[str, bytes]]:
    """Both charts as PNG, each with its caption."""
    return [
        (
            translate(N_("wijkbeeld.chart.categories.caption"), lang),
            png(categories_figure(report, config, lang)),
        ),
        (
            translate(N_("wijkbeeld.chart.wait.caption"), lang),
            png(wait_figure(report, config, lang)),
        ),
    ]


def stacked(report: Wijkbeeld, config: Config, lang: str) -> bytes:
    """Both charts in one PNG, one above the other (for a file: ``--format png``)."""
    import numpy
    from matplotlib.image import imread, imsave

    pictures = [imread(io.BytesIO(content)) for _caption, content in charts(report, config, lang)]
    buffer = io.BytesIO()
    imsave(buffer, numpy.vstack(pictures), format="png")
    return buffer.getvalue()
