"""The Babel extractor for flow files."""

from __future__ import annotations

import io

from bot.babel_extract import extract_flow

FLOW = b"""
flow: t
start: a
steps:
  a:
    yesno: q.a
    why: q.a.why
    next: b
  b:
    choice: q.b
    options:
      - {value: x, label: q.b.x}
    next: c
  c:
    action: route_signal
    next: d
  d:
    end: q.d
"""


def test_every_text_of_a_flow_is_extracted_with_its_step() -> None:
    found = [
        (msg, comments) for _line, _f, msg, comments in extract_flow(io.BytesIO(FLOW), {}, (), {})
    ]
    assert [m for m, _c in found] == [
        "q.a",
        "q.a.why",
        "common.yes",
        "common.no",
        "q.b",
        "q.b.x",
        "q.d",
    ]
    assert found[0][1] == ["step: a"]
    assert "route_signal" not in [m for m, _c in found], "action names are not texts"
