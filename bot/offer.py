"""The neighbourhood's offer (sociale kaart): activities a resident can go to without a case file.

One TOML file per municipality, named in the config (``[offer] file = "aanbod.toml"``), with an
``[[activity]]`` table per activity::

    [[activity]]
    id = "koffie-de-kolk"                 # lower case letters, digits and dashes, at most 32
    name = "Koffieochtend"                # at most 60 characters: it goes on a button
    kind = "koffieochtend"                # one of KINDS
    place = "Buurthuis De Kolk"           # a public place, never a person's home
    address = "Zuiddijk 10, Zaandam"
    when = ["di 10:00-12:00"]             # rules as in bot/schedule.py
    skip_holidays = true                  # no meeting on Dutch public holidays
    postcodes = ["1503", "1504"]          # as for teams: PC4, PC6, ranges of either
    categories = ["eenzaamheid"]          # the category ids of docs/glossary.md
    phone = "075 123 4567"                # optional, public: the buurthuis, not a person
    website = "https://example.org"       # optional, http(s)
    accessibility = ["rolstoel", "gratis", "zonder_aanmelden"]   # from ACCESSIBILITY

Everything is validated before anything is used; every problem is one line naming the file, the
activity and the field. The same check reads the rows of a CSV import (bot/offer_io.py).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import phonenumbers

from bot.domain import CATEGORIES, Postcode
from bot.i18n import N_, _, translate
from bot.problems import Problems, unknown_keys
from bot.redaction import find_details
from bot.routing import PostcodeRange, parse_postcode_spec
from bot.schedule import (
    Meeting,
    Rule,
    ScheduleError,
    format_meeting,
    next_occurrence,
    parse_rule,
)

KINDS: tuple[str, ...] = (
    "koffieochtend",
    "maaltijd",
    "wandelgroep",
    "beweeggroep",
    "mantelzorgcafe",
    "schuldhulp-spreekuur",
    "opvoedbijeenkomst",
    "inloopspreekuur-wijkteam",
    "taalcafe",
    "creatief",
    "ontmoeting",
    "overig",
)
ACCESSIBILITY: tuple[str, ...] = (
    "rolstoel",
    "gratis",
    "zonder_aanmelden",
    "eenvoudige_taal",
    "vervoer",
    "kinderopvang",
)
FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "kind",
    "place",
    "address",
    "when",
    "skip_holidays",
    "postcodes",
    "categories",
    "phone",
    "website",
    "accessibility",
)
REQUIRED: tuple[str, ...] = ("id", "name", "kind", "place", "address", "when", "postcodes")
LIST_FIELDS: tuple[str, ...] = ("when", "postcodes", "categories", "accessibility")
TOP_KEYS: tuple[str, ...] = ("description", "activity")
MAX_NAME = 60  # the team picks an activity by a button with its name
MAX_TEXT = 80  # a place: it must fit in a short list
MAX_ADDRESS = 120
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
# Words that say a place is somebody's home: the offer lists public places only.
_HOME = re.compile(r"\b(?:thuis|priv[ée]|bij mij|bij ons|woning van|huize)\b", re.IGNORECASE)
# Labels looked up by id; listed here so that extraction finds them.
_DYNAMIC_TEXTS = (
    N_("offer.kind.koffieochtend"),
    N_("offer.kind.maaltijd"),
    N_("offer.kind.wandelgroep"),
    N_("offer.kind.beweeggroep"),
    N_("offer.kind.mantelzorgcafe"),
    N_("offer.kind.schuldhulp-spreekuur"),
    N_("offer.kind.opvoedbijeenkomst"),
    N_("offer.kind.inloopspreekuur-wijkteam"),
    N_("offer.kind.taalcafe"),
    N_("offer.kind.creatief"),
    N_("offer.kind.ontmoeting"),
    N_("offer.kind.overig"),
    N_("offer.access.rolstoel"),
    N_("offer.access.gratis"),
    N_("offer.access.zonder_aanmelden"),
    N_("offer.access.eenvoudige_taal"),
    N_("offer.access.vervoer"),
    N_("offer.access.kinderopvang"),
)


@dataclass(frozen=True)
class CsvFormat:
    """How the municipality's social map exports its CSV (``[offer.csv]`` in the config):
    the delimiter, the separator inside a cell that holds a list, and per field of
    :data:`FIELDS` the header of its column (a field without a column is left empty)."""

    delimiter: str = ";"
    list_separator: str = "|"
    columns: Mapping[str, str] = dataclasses.field(default_factory=lambda: {f: f for f in FIELDS})


@dataclass(frozen=True)
class Activity:
    """One validated activity of the offer file."""

    id: str
    name: str
    kind: str
    place: str
    address: str
    when: tuple[Rule, ...]
    postcodes: tuple[PostcodeRange, ...]
    categories: tuple[str, ...] = ()
    phone: str | None = None  # E.164, as the bot stores numbers
    website: str | None = None
    accessibility: tuple[str, ...] = ()
    skip_holidays: bool = False

    def serves(self, postcode: Postcode) -> bool:
        """Whether the activity is meant for ``postcode``: for a PC4 without letters, any part
        of that area will do."""
        if postcode.letters:
            return any(r.contains(postcode.compact) for r in self.postcodes)
        area = parse_postcode_spec(postcode.digits)
        return any(r.overlaps(area) for r in self.postcodes)

    def next_meeting(self, now: datetime, zone: ZoneInfo) -> Meeting | None:
        return next_occurrence(self.when, now, zone, skip_holidays=self.skip_holidays)

    def phone_text(self) -> str | None:
        """The phone number as people in the Netherlands write it: ``075 123 4567``."""
        if self.phone is None:
            return None
        number = phonenumbers.parse(self.phone, "NL")
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))

    def as_table(self) -> dict[str, Any]:
        """The activity as it stands in the offer file (for writing it back)."""
        table: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "place": self.place,
            "address": self.address,
            "when": [r.text for r in self.when],
            "skip_holidays": self.skip_holidays,
            "postcodes": [r.spec for r in self.postcodes],
            "categories": list(self.categories),
        }
        if self.phone is not None:
            table["phone"] = self.phone_text()
        if self.website is not None:
            table["website"] = self.website
        table["accessibility"] = list(self.accessibility)
        return table


@dataclass(frozen=True)
class Offer:
    """Every activity of a municipality, and its time zone for the dates."""

    activities: tuple[Activity, ...]
    timezone: ZoneInfo
    description: str = ""

    def get(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)

    def matching(
        self,
        postcode: Postcode | None,
        category: str | None,
        now: datetime,
        limit: int | None = None,
    ) -> list[tuple[Activity, Meeting | None]]:
        """The activities that serve ``postcode`` (``None``: anywhere) and help with
        ``category`` (``None``: with anything), the soonest first, each with its next meeting
        after ``now``; at most ``limit``."""
        found = [
            (a, a.next_meeting(now, self.timezone))
            for a in self.activities
            if (postcode is None or a.serves(postcode))
            and (category is None or category in a.categories)
        ]
        found.sort(key=lambda pair: (pair[1] is None, pair[1].start if pair[1] else now))
        return found[:limit] if limit is not None else found

    def categories_at(self, postcode: Postcode) -> list[str]:
        """The categories some activity for ``postcode`` helps with, in the glossary's order."""
        helped = {c for a in self.activities if a.serves(postcode) for c in a.categories}
        return [c for c in CATEGORIES if c in helped]


def when_text(meeting: Meeting | None, offer: Offer, lang: str) -> str:
    """ "Volgende keer: dinsdag 1 december, 10:00", or where to ask when no date is known."""
    if meeting is None:
        return translate(N_("offer.activity.no_date"), lang)
    return translate(
        N_("offer.activity.next"), lang, when=format_meeting(meeting, offer.timezone, lang)
    )


def _normal(text: str) -> str:
    return re.sub(r"[\s_-]+", "", text.casefold())


def _known(value: Any, ids: tuple[str, ...], label: str) -> str | None:
    """The id that ``value`` names: the id itself or its Dutch label, in any case or spacing."""
    if not isinstance(value, str):
        return None
    wanted = _normal(value)
    for known in ids:
        if wanted in (_normal(known), _normal(translate(label.format(known), "nl"))):
            return known
    return None


class _Reader:
    """Validates one activity's raw table, collecting every problem."""

    def __init__(self, raw: Mapping[str, Any], where: str, problems: Problems) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems
        self.ok = True

    def problem(self, field: str, key: str, **params: Any) -> None:
        self.ok = False
        self.problems.add(f"{self.where}.{field}", key, **params)

    def text(self, field: str, limit: int) -> str:
        value = self.raw.get(field)
        if not isinstance(value, str) or not value.strip():
            if field in REQUIRED:
                self.problem(field, N_("config.error.required_text"))
            elif value is not None:
                self.problem(field, N_("offer.error.text"))
            return ""
        value = " ".join(value.split())
        if len(value) > limit:
            self.problem(field, N_("offer.error.too_long"), max=limit)
        return value

    def items(self, field: str) -> list[Any]:
        value = self.raw.get(field, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.problem(field, N_("offer.error.list"))
            return []
        if not value and field in REQUIRED:
            self.problem(field, N_("config.error.required_text"))
        return value

    def ids(self, field: str, known: tuple[str, ...], label: str, key: str) -> list[str]:
        """The ids a list field names (by id or Dutch label); a problem for each unknown one."""
        found = []
        for value in self.items(field):
            name = _known(value, known, label)
            if name is None:
                self.problem(field, key, value=value, known=", ".join(known))
            else:
                found.append(name)
        return found

    def public(self, field: str, value: str) -> None:
        """Refuse what is clearly personal: a phone number, e-mail or BSN in a name, place or
        address, a street address in a name or place, or words that name a home."""
        kinds = {f.kind for f in find_details(value)}
        if field == "address":
            kinds.discard("address")
        if kinds or _HOME.search(value):
            self.problem(field, N_("offer.error.personal"))

    def phone(self) -> str | None:
        value = self.raw.get("phone")
        if value is None or value == "":
            return None
        try:
            number = phonenumbers.parse(str(value), "NL")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            self.problem("phone", N_("offer.error.phone"), value=value)
            return None
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def website(self) -> str | None:
        value = self.raw.get("website")
        if value is None or value == "":
            return None
        parts = urlsplit(str(value).strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in str(value).strip():
            self.problem("website", N_("offer.error.website"), value=value)
            return None
        return str(value).strip()

    def activity(self) -> Activity | None:
        activity_id = self.raw.get("id")
        if not isinstance(activity_id, str) or not _ID.match(activity_id):
            self.problem("id", N_("offer.error.id"), value=activity_id)
        name = self.text("name", MAX_NAME)
        place = self.text("place", MAX_TEXT)
        address = self.text("address", MAX_ADDRESS)
        for field, value in (("name", name), ("place", place), ("address", address)):
            if value:
                self.public(field, value)
        kind = _known(self.raw.get("kind"), KINDS, "offer.kind.{}")
        if kind is None:
            self.problem(
                "kind", N_("offer.error.kind"), value=self.raw.get("kind"), known=", ".join(KINDS)
            )
        rules = []
        for text in self.items("when"):
            try:
                rules.append(parse_rule(str(text)))
            except ScheduleError:
                self.problem("when", N_("offer.error.when"), value=text)
        ranges = []
        for spec in self.items("postcodes"):
            try:
                ranges.append(parse_postcode_spec(str(spec)))
            except ValueError:
                self.problem("postcodes", N_("config.error.postcode"), value=spec)
        categories = self.ids("categories", CATEGORIES, "category.{}", N_("offer.error.category"))
        access = self.ids(
            "accessibility", ACCESSIBILITY, "offer.access.{}", N_("offer.error.accessibility")
        )
        skip = self.raw.get("skip_holidays", False)
        if not isinstance(skip, bool):
            self.problem("skip_holidays", N_("config.error.yes_no"), value=skip)
        phone, website = self.phone(), self.website()
        if not self.ok:
            return None
        assert isinstance(activity_id, str) and kind is not None
        return Activity(
            id=activity_id,
            name=name,
            kind=kind,
            place=place,
            address=address,
            when=tuple(rules),
            postcodes=tuple(ranges),
            categories=tuple(dict.fromkeys(categories)),
            phone=phone,
            website=website,
            accessibility=tuple(dict.fromkeys(access)),
            skip_holidays=bool(skip),
        )


def read_activity(raw: Any, where: str, problems: Problems) -> Activity | None:
    """One activity from its raw table (TOML, or a CSV row made into one); ``None`` after
    adding its problems."""
    if not isinstance(raw, dict):
        problems.add(where, N_("config.error.not_a_table"))
        return None
    unknown_keys(raw, FIELDS, f"[[activity]] {raw.get('id', where)}", problems)
    before = len(problems.lines)
    activity = _Reader(raw, where, problems).activity()
    return activity if len(problems.lines) == before else None


def activity_label(index: int, raw: Any) -> str:
    """How a problem line names an activity: ``activity[2] koffie-de-kolk``."""
    activity_id = raw.get("id") if isinstance(raw, dict) else None
    return (
        f"activity[{index}] {activity_id}" if isinstance(activity_id, str) else f"activity[{index}]"
    )


def parse_offer(raw: dict[str, Any], zone: ZoneInfo, problems: Problems) -> Offer:
    """The offer in a parsed file, with every problem added to ``problems``."""
    unknown_keys(raw, TOP_KEYS, _(N_("config.top_level")), problems)
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add("description", N_("offer.error.text"))
        description = ""
    entries = raw.get("activity", [])
    if not isinstance(entries, list):
        problems.add("activity", N_("offer.error.list"))
        entries = []
    activities: dict[str, Activity] = {}
    for index, entry in enumerate(entries):
        activity = read_activity(entry, activity_label(index, entry), problems)
        if activity is None:
            continue
        if activity.id in activities:
            problems.add(
                f"{activity_label(index, entry)}.id", N_("offer.error.duplicate"), id=activity.id
            )
            continue
        activities[activity.id] = activity
    return Offer(tuple(activities.values()), zone, description)


def read_offer_file(path: Path, zone: ZoneInfo) -> tuple[Offer | None, list[str]]:
    """The offer file at ``path`` and its problem lines (the offer is ``None`` when it has any)."""
    problems = Problems(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [f"{path}: " + _(N_("config.error.missing"))]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{path}: " + _(N_("config.error.unreadable"), error=exc)]
    except tomllib.TOMLDecodeError as exc:
        return None, [f"{path}: " + _(N_("config.error.toml"), error=exc)]
    offer = parse_offer(raw, zone, problems)
    return (None, problems.lines) if problems.lines else (offer, [])
