"""Routing a signal to a team: ordered, explainable rules over postcode areas.

The rules, in order: a category with its own team (``[categories.opvoeding] team = ...``) goes
there; otherwise the team whose area holds the postcode; otherwise the intake team. Every route
carries a reason (a msgid and its parameters) that is stored with the signal. The reason is
stored in plain text, so it names the PC4 area only, never the full postcode (which is kept
encrypted beside it).
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field

from bot.domain import Postcode
from bot.i18n import N_

_SPEC_PART = re.compile(r"^([1-9][0-9]{3})([A-Z]{2})?$")


@dataclass(frozen=True, order=True)
class PostcodeRange:
    """An inclusive range of six-character postcodes, as written in the config."""

    low: str
    high: str
    spec: str = field(compare=False)

    def contains(self, compact: str) -> bool:
        return self.low <= compact <= self.high

    def overlaps(self, other: PostcodeRange) -> bool:
        return self.low <= other.high and other.low <= self.high


def parse_postcode_spec(spec: str) -> PostcodeRange:
    """Read ``1503``, ``1505AA``, ``1500-1502`` or ``1505AA-1505ZZ`` (spaces allowed)."""
    cleaned = spec.replace(" ", "").upper()
    parts = cleaned.split("-")
    if len(parts) > 2 or not all(_SPEC_PART.match(p) for p in parts):
        raise ValueError(spec)
    first, last = parts[0], parts[-1]
    low = first if len(first) == 6 else first + "AA"
    high = last if len(last) == 6 else last + "ZZ"
    if low > high:
        raise ValueError(spec)
    return PostcodeRange(low, high, spec)


@dataclass(frozen=True)
class Route:
    """Where a signal goes and why (``reason`` is a msgid, ``params`` fill it in)."""

    team: str
    reason: str
    params: dict[str, str]


@dataclass(frozen=True)
class Area:
    team: str
    team_name: str
    ranges: tuple[PostcodeRange, ...]


class Router:
    """Applies the routing rules of one municipality."""

    def __init__(self, areas: list[Area], category_teams: dict[str, str], intake_team: str) -> None:
        self._areas = areas
        self._category_teams = category_teams
        self._intake = intake_team
        self._names = {a.team: a.team_name for a in areas}

    def route(self, category: str, postcode: Postcode | None) -> Route:
        team = self._category_teams.get(category)
        if team:
            return Route(team, N_("route.category"), {"category": category, "team": team})
        if postcode is None:
            return Route(self._intake, N_("route.no_postcode"), {"team": self._intake})
        owners = (
            self._owners(postcode.compact)
            if postcode.letters
            else self._pc4_owners(postcode.digits)
        )
        params = {"postcode": postcode.digits, "team": self._intake}
        if len(owners) == 1 and None not in owners:
            (owner,) = owners
            assert owner is not None
            params.update(team=owner, team_name=self._names[owner])
            split = postcode.letters is not None and len(self._pc4_owners(postcode.digits)) > 1
            return Route(
                owner, N_("route.postcode_split") if split else N_("route.postcode"), params
            )
        if owners - {None}:
            return Route(self._intake, N_("route.postcode_ambiguous"), params)
        return Route(self._intake, N_("route.postcode_unknown"), params)

    def covers(self, postcode: Postcode) -> bool:
        """Whether a team's area holds the postcode (for a PC4, any part of it)."""
        owners = (
            self._owners(postcode.compact)
            if postcode.letters
            else self._pc4_owners(postcode.digits)
        )
        return bool(owners - {None})

    def _owners(self, compact: str) -> frozenset[str | None]:
        owners = frozenset(
            a.team for a in self._areas if any(r.contains(compact) for r in a.ranges)
        )
        return owners or frozenset({None})

    @functools.cache  # noqa: B019 - one Router lives as long as its config
    def _pc4_owners(self, digits: str) -> frozenset[str | None]:
        """Who owns each of the 676 six-character postcodes of a PC4 area."""
        owners: set[str | None] = set()
        for a in string.ascii_uppercase:
            for b in string.ascii_uppercase:
                owners |= self._owners(digits + a + b)
        return frozenset(owners)
