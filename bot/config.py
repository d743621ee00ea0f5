"""The municipality's settings: a TOML file, validated once at start-up.

Validation collects every problem before it raises, so ``wijksignaal check`` can list them all,
one line each, naming the file and the key.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import CATEGORIES
from bot.errors import ConfigError
from bot.i18n import N_, _
from bot.offer import FIELDS, CsvFormat, Offer, read_offer_file
from bot.problems import Problems as _Problems
from bot.problems import unknown_keys as _unknown_keys
from bot.routing import Area, PostcodeRange, Router, parse_postcode_spec

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_TEAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Every key the config knows, per table: anything else is an error that names it.
KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "": (
        "municipality",
        "conversations",
        "telegram",
        "invites",
        "digest",
        "retention",
        "checkins",
        "security",
        "teams",
        "categories",
        "offer",
    ),
    "municipality": (
        "name",
        "timezone",
        "intake_team",
        "deadline_working_days",
        "reference_prefix",
        "tell_reporter_name",
    ),
    "conversations": ("expire_after",),
    "telegram": ("username",),
    "invites": ("valid_for",),
    "digest": ("time",),
    "retention": ("anonymise_contact_after", "delete_closed_after"),
    "checkins": ("after_report", "after_close", "quiet_hours"),
    "security": ("key_file",),
    "teams": ("id", "name", "postcodes", "group_chat"),
    "offer": ("file", "csv"),
    "offer.csv": ("delimiter", "list_separator", "columns"),
    "offer.csv.columns": FIELDS,
    "categories.*": (
        "team",
        "deadline_working_days",
        "checkin_after_report",
        "checkin_after_close",
    ),
}
# The shortest sensible value of each duration: shorter ones would break the bot (a report that
# can never be finished, an invite that expires before it is read).
MINIMUMS: dict[str, timedelta] = {
    "expire_after": timedelta(minutes=5),
    "valid_for": timedelta(minutes=5),
    "anonymise_contact_after": timedelta(days=1),
    "delete_closed_after": timedelta(days=1),
    "after_report": timedelta(hours=1),
    "after_close": timedelta(hours=1),
    "checkin_after_report": timedelta(hours=1),
    "checkin_after_close": timedelta(hours=1),
}


def parse_duration(text: str) -> timedelta:
    """Read a duration written like ``30s``, ``10m``, ``6h`` or ``14d``."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(text)
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    postcodes: tuple[PostcodeRange, ...] = ()
    group_chat: int | None = None  # gets counts only, never descriptions or personal data


@dataclass(frozen=True)
class CategorySettings:
    team: str | None
    deadline_working_days: int
    checkin_after_report: timedelta = timedelta(days=14)
    checkin_after_close: timedelta = timedelta(days=7)


@dataclass(frozen=True)
class Config:
    """A validated configuration; build it with :func:`load_config`."""

    path: Path
    municipality: str
    timezone: ZoneInfo
    intake_team: str
    teams: dict[str, Team]
    categories: dict[str, CategorySettings]
    conversation_expiry: timedelta = timedelta(hours=24)
    reference_prefix: str = "WS"
    bot_username: str = "wijksignaal_bot"
    invite_valid_for: timedelta = timedelta(hours=72)
    digest_time: time = time(8, 30)
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(9, 0))
    key_file: Path | None = None
    anonymise_after: timedelta = timedelta(days=365)
    delete_closed_after: timedelta = timedelta(days=1825)
    # When the team tells the person reported about (within a month), does it say who reported?
    tell_reporter_name: bool = False
    # The neighbourhood's offer (bot/offer.py); None: the bot runs without one.
    offer: Offer | None = None
    offer_file: Path | None = None
    offer_csv: CsvFormat = field(default_factory=CsvFormat)
    router: Router = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        areas = [Area(t.id, t.name, t.postcodes) for t in self.teams.values() if t.postcodes]
        overrides = {c: s.team for c, s in self.categories.items() if s.team}
        object.__setattr__(self, "router", Router(areas, overrides, self.intake_team))

    def team_name(self, team_id: str) -> str:
        team = self.teams.get(team_id)
        return team.name if team else team_id


def _table(raw: dict[str, Any], key: str, problems: _Problems) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        problems.add(key, N_("config.error.not_a_table"))
        return {}
    if key in KNOWN_KEYS:
        _unknown_keys(value, KNOWN_KEYS[key], f"[{key}]", problems)
    return value


def _positive_int(value: Any, where: str, problems: _Problems, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(where, N_("config.error.positive_number"), value=value)
        return default
    return value


def _duration(
    table: dict[str, Any], where: str, key: str, default: str | timedelta, problems: _Problems
) -> timedelta:
    """``table[key]`` as a duration (``30s``, ``10m``, ``6h``, ``14d``), else ``default``."""
    fallback = parse_duration(default) if isinstance(default, str) else default
    if key not in table:
        return fallback
    try:
        value = parse_duration(str(table[key]))
    except ValueError:
        problems.add(f"{where}.{key}", N_("config.error.duration"), value=table[key])
        return fallback
    minimum = MINIMUMS.get(key)
    if minimum is not None and value < minimum:
        problems.add(
            f"{where}.{key}",
            N_("config.error.too_short"),
            value=table[key],
            minimum=_format_duration(minimum),
        )
        return fallback
    return value


def _format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _offer_settings(
    raw: dict[str, Any], path: Path, zone: ZoneInfo, problems: _Problems, *, with_offer: bool
) -> tuple[Path | None, CsvFormat, Offer | None]:
    """``[offer]``: the offer file (relative to the config), read and validated unless
    ``with_offer`` is false, and the CSV import's format."""
    table = _table(raw, "offer", problems)
    csv_table = table.get("csv", {})
    if not isinstance(csv_table, dict):
        problems.add("offer.csv", N_("config.error.not_a_table"))
        csv_table = {}
    _unknown_keys(csv_table, KNOWN_KEYS["offer.csv"], "[offer.csv]", problems)
    columns = csv_table.get("columns", {})
    if not isinstance(columns, dict):
        problems.add("offer.csv.columns", N_("config.error.not_a_table"))
        columns = {}
    _unknown_keys(columns, KNOWN_KEYS["offer.csv.columns"], "[offer.csv.columns]", problems)
    text_settings: dict[str, str] = {}
    for key, default in (("delimiter", ";"), ("list_separator", "|")):
        value = csv_table.get(key, default)
        if not isinstance(value, str) or len(value) != 1:
            problems.add(f"offer.csv.{key}", N_("config.error.one_character"), value=value)
            value = default
        text_settings[key] = value
    for name, header in columns.items():
        if not isinstance(header, str) or not header.strip():
            problems.add(f"offer.csv.columns.{name}", N_("config.error.required_text"))
    csv_format = CsvFormat(
        delimiter=text_settings["delimiter"],
        list_separator=text_settings["list_separator"],
        columns={**{f: f for f in FIELDS}, **{k: str(v) for k, v in columns.items()}},
    )
    if not table:
        return None, csv_format, None
    file = table.get("file")
    if not isinstance(file, str) or not file.strip():
        problems.add("offer.file", N_("config.error.required_text"))
        return None, csv_format, None
    offer_file = path.parent / Path(file).expanduser()
    if not with_offer:
        return offer_file, csv_format, None
    offer, lines = read_offer_file(offer_file, zone)
    problems.lines.extend(lines)
    return offer_file, csv_format, offer


def load_config(path: Path | str, *, with_offer: bool = True) -> Config:
    """Read and validate the config at ``path``; a :class:`ConfigError` lists every problem.
    With ``with_offer`` false the offer file is named but not read (``aanbod import`` makes
    it)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: " + _(N_("config.error.missing"))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: " + _(N_("config.error.unreadable"), error=exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: " + _(N_("config.error.toml"), error=exc)) from None

    problems = _Problems(path)
    _unknown_keys(raw, KNOWN_KEYS[""], _(N_("config.top_level")), problems)
    municipality = _table(raw, "municipality", problems)
    name = municipality.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("municipality.name", N_("config.error.required_text"))
        name = ""
    tz_name = municipality.get("timezone", "Europe/Amsterdam")
    try:
        timezone = ZoneInfo(str(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        problems.add("municipality.timezone", N_("config.error.timezone"), value=tz_name)
        timezone = ZoneInfo("Europe/Amsterdam")
    default_deadline = _positive_int(
        municipality.get("deadline_working_days"), "municipality.deadline_working_days", problems, 3
    )
    tell_name = municipality.get("tell_reporter_name", False)
    if not isinstance(tell_name, bool):
        problems.add("municipality.tell_reporter_name", N_("config.error.yes_no"), value=tell_name)
        tell_name = False
    prefix = municipality.get("reference_prefix", "WS")
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Z]{1,5}", prefix):
        problems.add("municipality.reference_prefix", N_("config.error.prefix"), value=prefix)
        prefix = "WS"

    expiry = _duration(
        _table(raw, "conversations", problems), "conversations", "expire_after", "24h", problems
    )

    telegram = _table(raw, "telegram", problems)
    username = str(telegram.get("username", "wijksignaal_bot")).lstrip("@")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", username):
        problems.add("telegram.username", N_("config.error.username"), value=username)
    valid_for = _duration(_table(raw, "invites", problems), "invites", "valid_for", "72h", problems)
    digest = _table(raw, "digest", problems)
    digest_time = time(8, 30)
    if "time" in digest:
        try:
            digest_time = time.fromisoformat(str(digest["time"]))
        except ValueError:
            problems.add("digest.time", N_("config.error.clock_time"), value=digest["time"])

    retention = _table(raw, "retention", problems)
    anonymise_after = _duration(retention, "retention", "anonymise_contact_after", "365d", problems)
    delete_after = _duration(retention, "retention", "delete_closed_after", "1825d", problems)
    checkins = _table(raw, "checkins", problems)
    checkin_report = _duration(checkins, "checkins", "after_report", "14d", problems)
    checkin_close = _duration(checkins, "checkins", "after_close", "7d", problems)
    quiet: tuple[time, time] | None = (time(21, 0), time(9, 0))
    quiet_text = str(checkins.get("quiet_hours", "21:00-09:00")).strip()
    if not quiet_text:
        quiet = None
    else:
        try:
            start_text, end_text = quiet_text.split("-")
            quiet = (time.fromisoformat(start_text.strip()), time.fromisoformat(end_text.strip()))
        except ValueError:
            problems.add("checkins.quiet_hours", N_("config.error.quiet_hours"), value=quiet_text)
    security = _table(raw, "security", problems)
    key_file = None
    if security.get("key_file"):
        key_file = path.parent / Path(str(security["key_file"])).expanduser()

    teams: dict[str, Team] = {}
    raw_teams = raw.get("teams", [])
    if not isinstance(raw_teams, list) or not raw_teams:
        problems.add("teams", N_("config.error.no_teams"))
        raw_teams = []
    for index, entry in enumerate(raw_teams):
        where = f"teams[{index}]"
        if not isinstance(entry, dict):
            problems.add(where, N_("config.error.not_a_table"))
            continue
        team_id = entry.get("id")
        if not isinstance(team_id, str) or not _TEAM_ID.match(team_id):
            problems.add(f"{where}.id", N_("config.error.team_id"), value=team_id)
            continue
        if team_id in teams:
            problems.add(f"{where}.id", N_("config.error.duplicate_team"), team=team_id)
            continue
        _unknown_keys(entry, KNOWN_KEYS["teams"], f"[[teams]] {team_id}", problems)
        team_name = entry.get("name")
        if not isinstance(team_name, str) or not team_name.strip():
            problems.add(f"{where}.name", N_("config.error.required_text"))
            team_name = team_id
        ranges = []
        specs = entry.get("postcodes", [])
        if not isinstance(specs, list):
            problems.add(f"{where}.postcodes", N_("config.error.postcode_list"))
            specs = []
        for spec in specs:
            try:
                ranges.append(parse_postcode_spec(str(spec)))
            except ValueError:
                problems.add(f"{where}.postcodes", N_("config.error.postcode"), value=spec)
        group_chat = entry.get("group_chat")
        if group_chat is not None and (
            isinstance(group_chat, bool) or not isinstance(group_chat, int)
        ):
            problems.add(f"{where}.group_chat", N_("config.error.chat_id"), value=group_chat)
            group_chat = None
        teams[team_id] = Team(team_id, team_name, tuple(ranges), group_chat)

    intake = municipality.get("intake_team")
    if not isinstance(intake, str) or intake not in teams:
        problems.add("municipality.intake_team", N_("config.error.unknown_team"), team=intake)
        intake = next(iter(teams), "")

    owned = sorted((r, t.id) for t in teams.values() for r in t.postcodes)
    for (first, first_team), (second, second_team) in itertools.combinations(owned, 2):
        if first_team != second_team and first.overlaps(second):
            problems.add(
                "teams.postcodes",
                N_("config.error.overlap"),
                first=first.spec,
                first_team=first_team,
                second=second.spec,
                second_team=second_team,
            )

    categories: dict[str, CategorySettings] = {}
    raw_categories = _table(raw, "categories", problems)
    for category in raw_categories:
        if category not in CATEGORIES:
            problems.add(
                f"categories.{category}", N_("config.error.category"), known=", ".join(CATEGORIES)
            )
    for category in CATEGORIES:
        settings = raw_categories.get(category, {})
        if not isinstance(settings, dict):
            problems.add(f"categories.{category}", N_("config.error.not_a_table"))
            settings = {}
        _unknown_keys(settings, KNOWN_KEYS["categories.*"], f"[categories.{category}]", problems)
        team = settings.get("team")
        if team is not None and team not in teams:
            problems.add(f"categories.{category}.team", N_("config.error.unknown_team"), team=team)
            team = None
        days = _positive_int(
            settings.get("deadline_working_days"),
            f"categories.{category}.deadline_working_days",
            problems,
            default_deadline,
        )
        where = f"categories.{category}"
        categories[category] = CategorySettings(
            team,
            days,
            _duration(settings, where, "checkin_after_report", checkin_report, problems),
            _duration(settings, where, "checkin_after_close", checkin_close, problems),
        )

    offer_file, offer_csv, offer = _offer_settings(
        raw, path, timezone, problems, with_offer=with_offer
    )
    if problems.lines:
        raise ConfigError(problems.lines)
    return Config(
        offer=offer,
        offer_file=offer_file,
        offer_csv=offer_csv,
        path=path,
        municipality=name,
        timezone=timezone,
        intake_team=intake,
        teams=teams,
        categories=categories,
        conversation_expiry=expiry,
        bot_username=username,
        invite_valid_for=valid_for,
        digest_time=digest_time,
        key_file=key_file,
        quiet_hours=quiet,
        anonymise_after=anonymise_after,
        delete_closed_after=delete_after,
        reference_prefix=prefix,
        tell_reporter_name=tell_name,
    )
