"""Small numbers hidden, also where totals would give them away.

A table of counts (rows × columns, here PC4 areas × categories) is published with its row
totals, column totals and grand total. Every count under :data:`MIN_COUNT` is *small* and shown
only as "minder dan 5". That alone is not enough: a row total minus the cells that are shown
gives a single small cell back, and with row and column totals together even several. So:

- The attacker is assumed to know every shown number, that a small one lies between 0 and 4,
  and that a number hidden for the sake of another (*hidden*) is 5 or more.
- :func:`exposed` finds every small count of 1 to 4 that can nevertheless be computed back.
  The table with its totals is a circulation in a graph (grand total → row totals → cells →
  column totals → grand total); a count can take another value exactly when a cycle of
  hidden numbers with room to move runs through it (the residual graph of network flows), so
  the check is exact, not a guess. A small count that can only be 0 gives nobody away and is
  allowed to be known.
- :func:`protect` hides more until nothing is exposed. The rule: where a small count can be
  computed back, the shown numbers with the smallest sum that, hidden, let it move are hidden
  too (marked *hidden*, never "minder dan 5"). In a row with one small cell and a shown total
  that is the smallest other cell of the row, plus what pins that one in its column; a total
  is hidden only where that is cheaper. Should a count still be exposed when nothing is left
  to hide, the whole table is withheld.

The result is a function of the table alone, so a quarter's table is hidden the same way in
every report that shows it.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

MIN_COUNT = 5
_UNBOUNDED = 1 << 40

Key = tuple[str | None, str | None]
"""(row, column) a cell, (row, None) a row total, (None, column) a column total, (None, None)
the grand total."""
GRAND: Key = (None, None)
Cell = tuple[str, str]


class Mark(Enum):
    SHOWN = "shown"
    SMALL = "small"  # under MIN_COUNT: "minder dan 5"
    HIDDEN = "hidden"  # MIN_COUNT or more, hidden so that a small count cannot be computed back


@dataclass(frozen=True)
class Protected:
    """A table of counts with totals, and how each may be shown."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: Mapping[Key, int]
    marks: Mapping[Key, Mark]
    withheld: bool = False  # nothing of it may be shown

    def shown(self, key: Key) -> int | None:
        """The number to show at ``key``, or ``None`` when it is suppressed."""
        if self.withheld or self.marks[key] is not Mark.SHOWN:
            return None
        return self.values[key]

    def mark(self, key: Key) -> Mark:
        return self.marks[key]

    def keys(self) -> list[Key]:
        return list(self.values)


def table(
    rows: Iterable[str], columns: Iterable[str], counts: Mapping[Cell, int]
) -> dict[Key, int]:
    """Every cell (missing ones are 0) with its row, column and grand totals."""
    rows, columns = tuple(rows), tuple(columns)
    values: dict[Key, int] = {}
    for r in rows:
        for c in columns:
            values[(r, c)] = counts.get((r, c), 0)
    for r in rows:
        values[(r, None)] = sum(values[(r, c)] for c in columns)
    for c in columns:
        values[(None, c)] = sum(values[(r, c)] for r in rows)
    values[GRAND] = sum(values[(r, None)] for r in rows)
    return values


def _bounds(value: int, mark: Mark) -> tuple[int, int]:
    """What someone who reads the table knows of a number."""
    if mark is Mark.SHOWN:
        return value, value
    if mark is Mark.SMALL:
        return 0, MIN_COUNT - 1
    return MIN_COUNT, _UNBOUNDED


def _arc(key: Key) -> tuple[str, str]:
    """The key's arc in the circulation: from where its count comes, to where it goes."""
    row, column = key
    if row is not None and column is not None:
        return f"r:{row}", f"c:{column}"
    if row is not None:
        return "grand-out", f"r:{row}"
    if column is not None:
        return f"c:{column}", "grand-in"
    return "grand-in", "grand-out"


def exposed(values: Mapping[Key, int], marks: Mapping[Key, Mark]) -> list[Key]:
    """The small counts of 1 to 4 that what is shown pins to their true value."""
    arcs: dict[str, list[tuple[str, Key]]] = {}  # residual arcs: node -> [(to, key)]
    for key, value in values.items():
        low, high = _bounds(value, marks[key])
        tail, head = _arc(key)
        if value < high:
            arcs.setdefault(tail, []).append((head, key))
        if value > low:
            arcs.setdefault(head, []).append((tail, key))
    found = []
    for key, value in values.items():
        if marks[key] is not Mark.SMALL or value == 0:
            continue
        low, high = _bounds(value, marks[key])
        tail, head = _arc(key)
        up = value < high and _reaches(arcs, head, tail, key)
        down = value > low and _reaches(arcs, tail, head, key)
        if not (up or down):
            found.append(key)
    return found


def _reaches(arcs: Mapping[str, list[tuple[str, Key]]], start: str, goal: str, skip: Key) -> bool:
    """Whether ``goal`` can be reached from ``start`` without the arcs of ``skip``."""
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt, key in arcs.get(node, ()):
            if key == skip or nxt in seen:
                continue
            if nxt == goal:
                return True
            seen.add(nxt)
            queue.append(nxt)
    return False


def protect(rows: Iterable[str], columns: Iterable[str], counts: Mapping[Cell, int]) -> Protected:
    """The table with its totals, every small count suppressed and nothing computable back."""
    rows, columns = tuple(rows), tuple(columns)
    values = table(rows, columns, counts)
    marks = {k: Mark.SMALL if v < MIN_COUNT else Mark.SHOWN for k, v in values.items()}
    while found := exposed(values, marks):
        more = _cheapest_cycle(found[0], values, marks)
        if not more:
            return Protected(rows, columns, values, marks, withheld=True)
        for key in more:
            marks[key] = Mark.HIDDEN
    return Protected(rows, columns, values, marks)


def _cheapest_cycle(key: Key, values: Mapping[Key, int], marks: Mapping[Key, Mark]) -> list[Key]:
    """The shown numbers to hide so that ``key`` can move, the smallest sum of them; empty when
    hiding everything would not help. Suppressed numbers with room to move cost nothing, a
    shown one costs its value (once hidden it can rise, and fall when it is above 5)."""
    arcs: dict[str, list[tuple[str, int, Key]]] = {}
    for other, value in values.items():
        if other == key:
            continue
        tail, head = _arc(other)
        if marks[other] is Mark.SHOWN:
            arcs.setdefault(tail, []).append((head, value, other))
            if value > MIN_COUNT:
                arcs.setdefault(head, []).append((tail, value, other))
            continue
        low, high = _bounds(value, marks[other])
        if value < high:
            arcs.setdefault(tail, []).append((head, 0, other))
        if value > low:
            arcs.setdefault(head, []).append((tail, 0, other))
    value = values[key]
    low, high = _bounds(value, marks[key])
    tail, head = _arc(key)
    options = []
    if value < high:
        options.append(_shortest(arcs, head, tail))
    if value > low:
        options.append(_shortest(arcs, tail, head))
    found = [o for o in options if o is not None]
    if not found:
        return []
    _cost, path = min(found, key=lambda o: o[0])
    return [k for k in path if marks[k] is Mark.SHOWN]


def _shortest(
    arcs: Mapping[str, list[tuple[str, int, Key]]], start: str, goal: str
) -> tuple[int, list[Key]] | None:
    """The cheapest path from ``start`` to ``goal`` (Dijkstra): its cost and the keys on it."""
    best = {start: 0}
    came: dict[str, tuple[str, Key]] = {}
    queue: list[tuple[int, int, str]] = [(0, 0, start)]
    pushed = 0  # ties go first come, first served: the same table is always hidden the same way
    while queue:
        cost, _n, node = heapq.heappop(queue)
        if node == goal:
            path = []
            while node != start:
                node, key = came[node]
                path.append(key)
            return cost, path
        if cost > best[node]:
            continue
        for nxt, step, key in arcs.get(node, ()):
            if cost + step < best.get(nxt, _UNBOUNDED):
                best[nxt] = cost + step
                came[nxt] = (node, key)
                pushed += 1
                heapq.heappush(queue, (cost + step, pushed, nxt))
    return None
