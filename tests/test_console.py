"""The console chat's rendering of a reply (the console as a process: tests/e2e/test_console.py)."""

from __future__ import annotations

import io

from bot.channels.console import picture_size, render
from bot.engine import Reply


def test_a_picture_is_told_by_its_size_not_printed() -> None:
    """A chart in the console is one line saying that a picture was sent, and how big it is."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 3), dpi=100)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    png = buffer.getvalue()
    assert picture_size(png) == (400, 300)
    shown = render(Reply("Wijkbeeld", photo=png))
    assert shown.splitlines() == ["bot> Wijkbeeld", "     (grafiek verstuurd: 400 × 300 pixels)"]
