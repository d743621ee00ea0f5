"""``wijksignaal export``: every signal as JSON or CSV, personal data only when asked for."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from storage import Database, StoredSignal

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


def signal_record(signal: StoredSignal, with_personal_data: bool) -> dict[str, Any]:
    """One signal as a flat record; ``consent`` lists the purposes agreed, with text versions."""
    record: dict[str, Any] = {
        "ref": signal.ref,
        "created_at": signal.created_at.isoformat(),
        "category": signal.category,
        "team": signal.team,
        "status": signal.status,
        "postcode4": signal.postcode4,
        "anonymous": signal.anonymous,
        "source": signal.source,
        "about": signal.about,
        "subject_knows": signal.subject_knows,
        "deadline": signal.deadline.isoformat(),
        "consent": [
            {"purpose": c.purpose, "version": c.text_version, "at": c.answered_at.isoformat()}
            for c in signal.consents
            if c.given
        ],
        "route_reason": signal.route_reason,
        "outcome": signal.outcome if signal.status == "afgerond" else None,
    }
    if with_personal_data:
        record.update(
            postcode=signal.postcode,
            contact_method=signal.contact_method,
            contact_phone=signal.contact_phone,
            description=signal.description,
        )
    return record


def to_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2) + "\n"


def to_csv(records: list[dict[str, Any]], with_personal_data: bool) -> str:
    out = io.StringIO()
    fields = FIELDS + (PERSONAL_FIELDS if with_personal_data else ())
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = dict(record)
        row["consent"] = ";".join(f"{c['purpose']}@{c['version']}" for c in record["consent"])
        row["checkins"] = ";".join(c["answer"] for c in record["checkins"])
        if with_personal_data:
            row["notes"] = " | ".join(
                f"{n['at']} {n['kind']}: {n['note']}" for n in record["notes"]
            )
        writer.writerow(row)
    return out.getvalue()


async def export(db: Database, fmt: str, *, with_personal_data: bool = False) -> str:
    """All signals in ``fmt`` (``json`` or ``csv``)."""
    async with db.transaction() as tx:
        signals = await tx.signals.all()
        events = {s.id: await tx.signals.events(s.id) for s in signals}
    records = []
    for signal in signals:
        record = signal_record(signal, with_personal_data)
        history = events[signal.id]
        closes = [e.at for e in history if e.to_status == "afgerond"]
        record["closed_at"] = (
            closes[-1].isoformat() if closes and signal.status == "afgerond" else None
        )
        record["checkins"] = [
            {"at": e.at.isoformat(), "answer": e.kind.removeprefix("checkin:")}
            for e in history
            if e.kind.startswith("checkin:") and e.kind != "checkin:opmerking"
        ]
        if with_personal_data:
            # The team's notes (closing, forwarding) and the reporter's remarks: personal data.
            record["notes"] = [
                {"at": e.at.isoformat(), "kind": e.kind, "note": e.note}
                for e in history
                if e.note and e.kind != "aangemaakt"
            ]
        records.append(record)
    return to_json(records) if fmt == "json" else to_csv(records, with_personal_data)
