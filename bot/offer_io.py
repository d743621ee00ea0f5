"""The offer from the command line: ``wijksignaal aanbod import FILE.csv`` and ``aanbod list``.

The import reads the CSV that a municipality's social map exports, with the columns and the
delimiter named in the config (``[offer.csv]``). Each row is checked exactly as an activity of
the offer file; a row that cannot be read is reported with its line number and why, and the
good rows are written into the offer file named in the config: an imported id replaces the
activity with the same id, a new one is added at the end. The file is written through a
temporary file next to it and then renamed, so it is never half written. Rows rejected: exit
status 1, after writing the good ones.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import tomli_w

from bot.clock import Clock, SystemClock
from bot.config import Config, load_config
from bot.domain import CATEGORIES, parse_postcode
from bot.errors import WijksignaalError
from bot.i18n import N_, _, current_language
from bot.offer import (
    FIELDS,
    LIST_FIELDS,
    REQUIRED,
    Activity,
    CsvFormat,
    Offer,
    read_activity,
    read_offer_file,
    when_text,
)
from bot.problems import Problems

EXIT_PROBLEM = 1
_YES = frozenset({"ja", "j", "yes", "y", "true", "waar", "1", "x"})
_NO = frozenset({"nee", "n", "no", "false", "onwaar", "0", ""})


def add_parser(commands: Any) -> None:
    """``aanbod import`` and ``aanbod list`` on the command's subparsers."""
    offer = commands.add_parser("aanbod", help=_(N_("cli.aanbod.help")))
    actions = offer.add_subparsers(dest="action", required=True, metavar="ACTION")
    importing = actions.add_parser("import", help=_(N_("cli.aanbod.import.help")))
    importing.add_argument("file", type=Path, metavar="FILE.csv")
    listing = actions.add_parser("list", help=_(N_("cli.aanbod.list.help")))
    listing.add_argument("--postcode")
    listing.add_argument("--category")
    for sub in (importing, listing):
        sub.add_argument("--config", required=True, type=Path)


def run(args: argparse.Namespace) -> int:
    """The ``aanbod`` command; its exit status."""
    if args.action == "import":
        return import_file(args.config, args.file)
    return list_offer(args.config, args.postcode, args.category)


def _cell(value: str, field: str, separator: str) -> Any:
    """A CSV cell as the offer file would hold it: lists split, yes/no as a boolean."""
    value = value.strip()
    if field in LIST_FIELDS:
        return [part.strip() for part in value.split(separator) if part.strip()]
    if field == "skip_holidays":
        if value.casefold() in _YES:
            return True
        if value.casefold() in _NO:
            return False
    return value


def read_rows(path: Path, fmt: CsvFormat) -> tuple[dict[str, Activity], list[str], int]:
    """The activities of the readable rows (by id, the first of a repeated id), one problem
    line per row that could not be read, and the number of such rows."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fp:
            reader = csv.DictReader(fp, delimiter=fmt.delimiter)
            headers = set(reader.fieldnames or [])
            missing = [fmt.columns[f] for f in REQUIRED if fmt.columns[f] not in headers]
            if missing:
                raise WijksignaalError(
                    f"{path}: " + _(N_("cli.aanbod.columns"), columns=", ".join(missing))
                )
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError:
        raise WijksignaalError(f"{path}: " + _(N_("cli.aanbod.not_utf8"))) from None
    except csv.Error as exc:
        raise WijksignaalError(f"{path}: " + _(N_("cli.aanbod.not_csv"), error=exc)) from None
    problems = Problems(path)
    found: dict[str, Activity] = {}
    first_line: dict[str, int] = {}
    rejected = 0
    for line, row in rows:
        raw = {
            field: _cell(row.get(fmt.columns[field]) or "", field, fmt.list_separator)
            for field in FIELDS
            if (row.get(fmt.columns[field]) or "").strip()
        }
        where = _(N_("cli.aanbod.line"), line=line)
        if isinstance(raw.get("id"), str):
            where += f" {raw['id']}"
        activity = read_activity(raw, where, problems)
        if activity is not None and activity.id in found:
            problems.add(
                f"{where}.id", N_("cli.aanbod.twice"), id=activity.id, line=first_line[activity.id]
            )
            activity = None
        if activity is None:
            rejected += 1
            continue
        found[activity.id] = activity
        first_line[activity.id] = line
    return found, problems.lines, rejected


def _write(path: Path, offer: Offer | None, imported: dict[str, Activity]) -> tuple[int, int]:
    """Merge ``imported`` into the offer and write the file atomically; (added, replaced)."""
    activities = list(offer.activities) if offer else []
    known = {a.id: i for i, a in enumerate(activities)}
    added = replaced = 0
    for activity_id, activity in imported.items():
        if activity_id in known:
            activities[known[activity_id]] = activity
            replaced += 1
        else:
            activities.append(activity)
            added += 1
    document: dict[str, Any] = {}
    if offer and offer.description:
        document["description"] = offer.description
    document["activity"] = [a.as_table() for a in activities]
    text = tomli_w.dumps(document)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as fp:
            fp.write(text)
            fp.flush()
            os.fsync(fp.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return added, replaced


def _offer_file(config: Config) -> Path:
    if config.offer_file is None:
        raise WijksignaalError(_(N_("cli.aanbod.no_offer"), config=config.path))
    return config.offer_file


def import_file(config_path: Path, csv_path: Path) -> int:
    config = load_config(config_path, with_offer=False)
    target = _offer_file(config)
    existing = None
    if target.exists():
        existing, lines = read_offer_file(target, config.timezone)
        if lines:
            raise WijksignaalError([*lines, _(N_("cli.aanbod.fix_first"), path=target)])
    imported, lines, rejected = read_rows(csv_path, config.offer_csv)
    for line in lines:
        print(line, file=sys.stderr)
    added = replaced = 0
    if imported:
        added, replaced = _write(target, existing, imported)
    print(
        _(
            N_("cli.aanbod.imported"),
            written=added + replaced,
            added=added,
            replaced=replaced,
            rejected=rejected,
            path=target,
        )
    )
    return EXIT_PROBLEM if rejected else 0


def list_offer(
    config_path: Path,
    postcode_text: str | None,
    category: str | None,
    clock: Clock | None = None,
) -> int:
    config = load_config(config_path)
    _offer_file(config)
    offer = config.offer
    assert offer is not None
    postcode = None
    if postcode_text is not None:
        postcode = parse_postcode(postcode_text)
        if postcode is None:
            raise WijksignaalError(_(N_("cli.aanbod.postcode"), value=postcode_text))
    if category is not None and category not in CATEGORIES:
        raise WijksignaalError(
            _(N_("cli.aanbod.category"), value=category, known=", ".join(CATEGORIES))
        )
    found = offer.matching(postcode, category, (clock or SystemClock()).now())
    if not found:
        print(_(N_("cli.aanbod.none")))
        return 0
    lang = current_language.get()
    for activity, meeting in found:
        print(
            "\t".join((activity.id, activity.name, activity.place, when_text(meeting, offer, lang)))
        )
    return 0
