"""Times as stored: ISO 8601 text, always UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def to_db_time(moment: datetime) -> str:
    """An aware datetime as the ISO text stored in the database (always UTC)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).isoformat()


def from_db_time(text: str) -> datetime:
    """The aware UTC datetime of a stored ISO text."""
    return datetime.fromisoformat(text).astimezone(UTC)
