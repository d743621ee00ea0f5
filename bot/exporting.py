"""``wijksignaal export``: every signal as JSON or CSV, personal data only when asked for.

The export streams: signals are read a page at a time (one query each, with their consents and
check-in answers gathered by SQLite), and every record is written as soon as it is made, so
memory stays flat whatever the size of the database and no read holds it for long. Encrypted
fields are neither read nor decrypted unless ``--with-personal-data`` asks for them.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import AsyncIterator
from typing import Any, TextIO

from storage import Database, Tx

PAGE = 250
FIELDS = (
    "ref",
    "created_at",
    "category",
    "team",
    "status",
    "postcode4",
    "anonymous",
    "source",
    "about",
    "subject_knows",
    "deadline",
    "consent",
    "route_reason",
    "outcome",
    "closed_at",
    "checkins",
)
PERSONAL_FIELDS = ("postcode", "contact_method", "contact_phone", "description", "notes")

# Separators inside one aggregated column: never in our stored values (ISO times, ids, base64).
_ITEM, _PART = "\x1e", "\x1f"
_PAGE_SQL = (
    "SELECT s.id, s.ref, s.created_at, s.category, s.team, s.status, s.postcode4, s.anonymous,"
    " s.source, s.about, s.subject_knows, s.deadline, s.route_reason, s.outcome, s.closed_at,"
    " (SELECT group_concat(c.purpose || char(31) || c.text_version || char(31)"
    " || c.answered_at, char(30)) FROM consents c"
    " WHERE c.signal_id = s.id AND c.given = 1 AND c.withdrawn_at IS NULL),"
    " (SELECT group_concat(e.at || char(31) || e.kind, char(30)) FROM signal_events e"
    " WHERE e.signal_id = s.id AND e.kind LIKE 'checkin:%' AND e.kind != 'checkin:opmerking')"
    "{personal} FROM signals s WHERE s.id > ? ORDER BY s.id LIMIT ?"
)
_PERSONAL_SQL = (
    ", s.postcode, s.contact_method, s.contact_phone, s.description,"
    " (SELECT group_concat(e.at || char(31) || e.kind || char(31) || e.note, char(30))"
    " FROM signal_events e WHERE e.signal_id = s.id AND e.note IS NOT NULL"
    " AND e.kind != 'aangemaakt')"
)


def _items(joined: str | None) -> list[list[str]]:
    return [item.split(_PART) for item in joined.split(_ITEM)] if joined else []


def _record(row: tuple[Any, ...], tx: Tx, with_personal_data: bool) -> dict[str, Any]:
    """One signal as a flat record; ``consent`` lists the purposes agreed, with text versions."""
    status = row[5]
    record: dict[str, Any] = {
        "ref": row[1],
        "created_at": row[2],
        "category": row[3],
        "team": row[4],
        "status": status,
        "postcode4": row[6],
        "anonymous": bool(row[7]),
        "source": row[8],
        "about": row[9],
        "subject_knows": None if row[10] is None else bool(row[10]),
        "deadline": row[11],
        "consent": [
            {"purpose": purpose, "version": version, "at": at}
            for purpose, version, at in _items(row[15])
        ],
        "route_reason": row[12],
        "outcome": row[13] if status == "afgerond" else None,
        "closed_at": row[14] if status == "afgerond" else None,
        "checkins": [
            {"at": at, "answer": kind.removeprefix("checkin:")} for at, kind in _items(row[16])
        ],
    }
    if with_personal_data:
        decrypt = tx.cipher.decrypt
        record.update(
            postcode=decrypt(row[17]),
            contact_method=row[18],
            contact_phone=decrypt(row[19]),
            description=decrypt(row[20]) or "",
            # The team's notes (closing, forwarding) and the reporter's remarks: personal data.
            notes=[
                {"at": at, "kind": kind, "note": decrypt(note)}
                for at, kind, note in _items(row[21])
            ],
        )
    return record


async def records(
    db: Database, *, with_personal_data: bool = False, page: int = PAGE
) -> AsyncIterator[dict[str, Any]]:
    """Every signal's record, oldest first, read ``page`` signals per short read."""
    sql = _PAGE_SQL.format(personal=_PERSONAL_SQL if with_personal_data else "")
    after = 0
    while True:
        async with db.transaction() as tx:
            rows = await tx.read(sql, (after, page))
            made = [_record(tuple(row), tx, with_personal_data) for row in rows]
        for record in made:
            yield record
        if len(rows) < page:
            return
        after = rows[-1][0]


async def write(
    db: Database, fmt: str, out: TextIO, *, with_personal_data: bool = False, page: int = PAGE
) -> int:
    """Write every signal in ``fmt`` (``json`` or ``csv``) to ``out`` as it is read; how many."""
    count = 0
    if fmt == "csv":
        fields = FIELDS + (PERSONAL_FIELDS if with_personal_data else ())
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
    async for record in records(db, with_personal_data=with_personal_data, page=page):
        if fmt == "csv":
            writer.writerow(_csv_row(record, with_personal_data))
        else:
            text = json.dumps(record, ensure_ascii=False, indent=2)
            out.write(("[\n" if count == 0 else ",\n") + textwrap.indent(text, "  "))
        count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "[]\n")
    return count


def _csv_row(record: dict[str, Any], with_personal_data: bool) -> dict[str, Any]:
    row = dict(record)
    row["consent"] = ";".join(f"{c['purpose']}@{c['version']}" for c in record["consent"])
    row["checkins"] = ";".join(c["answer"] for c in record["checkins"])
    if with_personal_data:
        row["notes"] = " | ".join(f"{n['at']} {n['kind']}: {n['note']}" for n in record["notes"])
    return row


async def export(db: Database, fmt: str, *, with_personal_data: bool = False) -> str:
    """All signals in ``fmt`` as one text (for tests and small databases; the command line
    streams with :func:`write`)."""
    out = io.StringIO()
    await write(db, fmt, out, with_personal_data=with_personal_data)
    return out.getvalue()
