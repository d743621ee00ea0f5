"""The scale benchmark at a small size, so that it cannot rot: it runs as ``make bench-scale``
does and prints its table with every row. It measures nothing here and asserts no timing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.scale import ROWS

ROOT = Path(__file__).resolve().parent.parent
SMALL = [
    "--signals", "2000",
    "--repeat", "1",
    "--checkins", "500",
    "--burst", "20",
    "--due", "100",
    "--job-checkins", "20",
    "--sigterm-due", "40",
    "--chats", "20",
    "--baseline", "0.3",
]  # fmt: skip


def test_the_scale_benchmark_runs_small_and_prints_every_row(tmp_path: Path) -> None:
    """2,000 signals, every part scaled down, one run each: the module ends without an error,
    prints the markdown table with every row measured, and leaves no copies behind (the built
    database stays cached in the data folder given, the bot processes' logs beside it)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", *SMALL, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = done.stdout[done.stdout.index("| What | Figure | Aim |") :]
    for row in ROWS:
        line = next((x for x in table.splitlines() if x.startswith(f"| {row} |")), None)
        assert line is not None, f"no row {row!r} in\n{table}"
        assert "not measured" not in line, line
    assert "Traceback" not in done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bench-scale-2000.db",
        "bench-scale-2000.json",
        "bench-scale-2000.key",
        "bench-scale-logs",
    ]
