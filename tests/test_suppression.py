"""Suppression of small counts: an independent attacker (integer programming with scipy) tries to
compute every suppressed count back from what a protected table shows, and must fail."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from bot.suppression import GRAND, MIN_COUNT, Cell, Key, Mark, exposed, protect, table

ROWS3 = ("1503", "1504", "1505")
COLS4 = ("eenzaamheid", "geldzorgen", "overlast", "overig")


def what_is_shown(rows, columns, values, marks) -> dict[Key, tuple[float, float]]:
    """What a reader knows of each number: its value, or the range its marker tells."""
    known = {}
    for key, value in values.items():
        mark = marks[key]
        if mark is Mark.SHOWN:
            known[key] = (value, value)
        elif mark is Mark.SMALL:
            known[key] = (0, MIN_COUNT - 1)
        else:
            known[key] = (MIN_COUNT, np.inf)
    return known


def attack(rows, columns, values, marks) -> dict[Key, tuple[float, float]]:
    """The smallest and largest value each suppressed number can have, given every shown number,
    the markers, and that the cells add up to the totals (integer programming, exact)."""
    known = what_is_shown(rows, columns, values, marks)
    keys = list(values)
    index = {k: i for i, k in enumerate(keys)}
    equations = []
    for r in rows:
        equations.append({**{(r, c): 1 for c in columns}, (r, None): -1})
    for c in columns:
        equations.append({**{(r, c): 1 for r in rows}, (None, c): -1})
    equations.append({**{(r, None): 1 for r in rows}, GRAND: -1})
    equations.append({**{(None, c): 1 for c in columns}, GRAND: -1})
    matrix = np.zeros((len(equations), len(keys)))
    for n, equation in enumerate(equations):
        for key, factor in equation.items():
            matrix[n, index[key]] = factor
    constraint = LinearConstraint(matrix, np.zeros(len(equations)), np.zeros(len(equations)))
    bounds = Bounds([known[k][0] for k in keys], [known[k][1] for k in keys])
    ranges = {}
    for key in keys:
        if marks[key] is Mark.SHOWN:
            continue
        found = []
        for sign in (1, -1):
            goal = np.zeros(len(keys))
            goal[index[key]] = sign
            result = milp(
                goal,
                constraints=constraint,
                integrality=np.ones(len(keys)),
                bounds=bounds,
            )
            found.append(sign * result.fun if result.status == 0 else sign * np.inf)
        ranges[key] = (round(found[0]), found[1])
    return ranges


def computed_back(rows, columns, values, marks) -> list[Key]:
    """The small counts of 1 to 4 whose value the attack pins down exactly."""
    ranges = attack(rows, columns, values, marks)
    return [
        key
        for key, (low, high) in ranges.items()
        if marks[key] is Mark.SMALL and values[key] > 0 and low == high
    ]


def test_the_attack_finds_a_cell_when_only_small_ones_are_suppressed() -> None:
    """Without secondary suppression a row total minus the shown cell gives the small cell back:
    the attack sees it (so the tests below can fail), and so does the check in the module."""
    rows, columns = ("1503",), ("eenzaamheid", "geldzorgen")
    values = table(rows, columns, {("1503", "eenzaamheid"): 7, ("1503", "geldzorgen"): 3})
    naive = {k: Mark.SMALL if v < MIN_COUNT else Mark.SHOWN for k, v in values.items()}
    pinned = [("1503", "geldzorgen"), (None, "geldzorgen")]  # the cell and its column total
    assert computed_back(rows, columns, values, naive) == pinned
    assert exposed(values, naive) == pinned


def test_one_small_cell_in_a_row_takes_the_smallest_other_cell_with_it() -> None:
    """A row of 12, 6 and 2: the 2 is small, the 6 (the smallest remaining) is hidden as well,
    and with it the two cells of the other row that would pin them in their columns; the 12, the
    9 and every total stay shown."""
    counts = {("1503", "eenzaamheid"): 12, ("1503", "geldzorgen"): 6, ("1503", "overlast"): 2}
    counts |= {("1504", "eenzaamheid"): 9, ("1504", "geldzorgen"): 8, ("1504", "overlast"): 7}
    result = protect(("1503", "1504"), ("eenzaamheid", "geldzorgen", "overlast"), counts)
    assert result.mark(("1503", "overlast")) is Mark.SMALL
    hidden = [k for k, m in result.marks.items() if m is Mark.HIDDEN]
    assert hidden == [("1503", "geldzorgen"), ("1504", "geldzorgen"), ("1504", "overlast")]
    assert result.shown(("1503", "eenzaamheid")) == 12
    assert result.shown(("1503", None)) == 20 and result.shown(GRAND) == 44
    assert not result.withheld
    rows, columns = result.rows, result.columns
    assert computed_back(rows, columns, result.values, result.marks) == []


def test_totals_over_two_small_cells_are_not_enough_when_both_lines_pin_them() -> None:
    """Two small cells in one row, each alone in its column: the column totals give them back,
    although the row has two; the 2-D check sees that and hides more."""
    counts = {
        ("1503", "eenzaamheid"): 3,
        ("1503", "geldzorgen"): 2,
        ("1504", "eenzaamheid"): 20,
        ("1504", "geldzorgen"): 30,
        ("1505", "eenzaamheid"): 10,
        ("1505", "geldzorgen"): 11,
    }
    rows, columns = ROWS3, ("eenzaamheid", "geldzorgen")
    values = table(rows, columns, counts)
    first = {k: Mark.SMALL if v < MIN_COUNT else Mark.SHOWN for k, v in values.items()}
    first[("1504", "eenzaamheid")] = Mark.HIDDEN  # the row rule alone would stop here
    assert computed_back(rows, columns, values, first) != []
    result = protect(rows, columns, counts)
    assert computed_back(rows, columns, result.values, result.marks) == []


def test_a_small_total_is_protected_like_a_cell() -> None:
    """A PC4 with 3 signals in all: the grand total minus the other rows' totals would give it
    back; the smallest other area (8) is hidden too, the grand total stays."""
    counts = {("1503", "eenzaamheid"): 3, ("1504", "eenzaamheid"): 9, ("1505", "eenzaamheid"): 8}
    result = protect(ROWS3, ("eenzaamheid",), counts)
    assert result.mark(("1503", None)) is Mark.SMALL
    assert computed_back(ROWS3, ("eenzaamheid",), result.values, result.marks) == []
    assert result.mark(("1505", None)) is Mark.HIDDEN and result.shown(("1504", None)) == 9
    assert result.shown(GRAND) == 20


def test_every_number_under_five_is_suppressed_and_the_rest_is_true() -> None:
    """No count under 5 is ever shown, totals included; what is shown is the true number."""
    counts = {("1503", "eenzaamheid"): 4, ("1504", "geldzorgen"): 1, ("1505", "overig"): 30}
    result = protect(ROWS3, COLS4, counts)
    for key, value in result.values.items():
        shown = result.shown(key)
        assert shown is None or (shown == value and value >= MIN_COUNT), key


def random_counts(rng: random.Random, rows, columns) -> dict[Cell, int]:
    weights = [0, 0, 0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 9, 12, 20, 40]
    return {(r, c): rng.choice(weights) for r in rows for c in columns}


@pytest.mark.parametrize("seed", range(40))
def test_nothing_small_can_be_computed_back_from_a_random_table(seed: int) -> None:
    """Random tables of 1-5 areas by 1-5 categories, with many small counts and zeros: the
    attack pins no small count of 1 to 4 (a count that can only be 0 names nobody)."""
    rng = random.Random(seed)
    rows = tuple(f"15{n:02d}" for n in range(rng.randint(1, 5)))
    columns = COLS4[: rng.randint(1, 4)] + (("opvoeding",) if rng.random() < 0.5 else ())
    result = protect(rows, columns, random_counts(rng, rows, columns))
    if result.withheld:
        return  # nothing at all is shown
    assert computed_back(rows, columns, result.values, result.marks) == []
    assert all(result.shown(k) is None for k, v in result.values.items() if v < MIN_COUNT), (
        "small numbers suppressed"
    )


@pytest.mark.parametrize("seed", range(40))
def test_the_modules_check_agrees_with_the_attack(seed: int) -> None:
    """On random tables with random extra suppressions the flow-based check in the module and
    the integer programme pin exactly the same small counts."""
    rng = random.Random(1000 + seed)
    rows = tuple(f"15{n:02d}" for n in range(rng.randint(1, 4)))
    columns = COLS4[: rng.randint(1, 4)]
    values = table(rows, columns, random_counts(rng, rows, columns))
    marks = {}
    for key, value in values.items():
        if value < MIN_COUNT:
            marks[key] = Mark.SMALL
        else:
            marks[key] = Mark.HIDDEN if rng.random() < 0.3 else Mark.SHOWN
    assert sorted(exposed(values, marks), key=str) == sorted(
        computed_back(rows, columns, values, marks), key=str
    )


def test_the_same_table_is_always_hidden_the_same_way() -> None:
    """The result depends on the table alone (a quarter looks the same in every report)."""
    rng = random.Random(7)
    counts = random_counts(rng, ROWS3, COLS4)
    assert protect(ROWS3, COLS4, counts).marks == protect(ROWS3, COLS4, dict(counts)).marks


def test_an_empty_table_shows_nothing() -> None:
    """No signals at all: every number is under 5, and none is exposed (all are 0)."""
    result = protect(("1503",), ("eenzaamheid",), {})
    assert result.shown(GRAND) is None and result.mark(GRAND) is Mark.SMALL
    assert not result.withheld
