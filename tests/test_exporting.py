"""``wijksignaal export``: the outcome and when a signal was closed; the team's notes only with
personal data."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from bot.engine import Engine
from bot.exporting import FIELDS, export, write
from storage import Cipher
from tests.conftest import Chat, report_to_summary


async def closed_signal(engine: Engine, chat: Chat) -> str:
    """A report, closed by the storage as a team member would, with a note."""
    await report_to_summary(chat)
    await chat.tap("Versturen")
    ref = chat.text.split("Uw nummer is ")[1].split(".")[0]
    now = engine.clock.now()
    async with engine.db.transaction() as tx:
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        await tx.signals.change(signal, now, "Anna", "opgepakt", "opgepakt")
        signal = await tx.signals.by_ref(ref)
        assert signal is not None
        await tx.signals.change(
            signal,
            now,
            "Anna",
            "afgerond:contact_gelegd",
            "afgerond",
            "Mevrouw gaat naar de koffieochtend.",
            outcome="contact_gelegd",
        )
    return ref


async def test_the_export_has_outcome_and_closed_at_but_no_notes(
    engine: Engine, chat: Chat
) -> None:
    ref = await closed_signal(engine, chat)
    (record,) = json.loads(await export(engine.db, "json"))
    assert record["ref"] == ref and record["outcome"] == "contact_gelegd"
    assert record["closed_at"] == engine.clock.now().isoformat()
    assert "notes" not in record and "koffieochtend" not in json.dumps(record)
    rows = list(csv.DictReader(io.StringIO(await export(engine.db, "csv"))))
    assert rows[0]["outcome"] == "contact_gelegd" and rows[0]["closed_at"]
    assert "notes" not in rows[0]


async def test_with_personal_data_the_notes_come_along(engine: Engine, chat: Chat) -> None:
    await closed_signal(engine, chat)
    (record,) = json.loads(await export(engine.db, "json", with_personal_data=True))
    assert record["notes"] == [
        {
            "at": engine.clock.now().isoformat(),
            "kind": "afgerond:contact_gelegd",
            "note": "Mevrouw gaat naar de koffieochtend.",
        }
    ]
    rows = list(
        csv.DictReader(io.StringIO(await export(engine.db, "csv", with_personal_data=True)))
    )
    assert "koffieochtend" in rows[0]["notes"]


async def test_an_open_signal_has_no_outcome_or_closed_at(engine: Engine, chat: Chat) -> None:
    await report_to_summary(chat)
    await chat.tap("Versturen")
    (record,) = json.loads(await export(engine.db, "json"))
    assert record["outcome"] is None and record["closed_at"] is None


class CountingCipher:
    """The database's cipher, counting what is decrypted."""

    def __init__(self, cipher: Cipher) -> None:
        self.cipher = cipher
        self.decrypted = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.cipher, name)

    def decrypt(self, token: str | None) -> str | None:
        self.decrypted += token is not None
        return self.cipher.decrypt(token)


async def test_the_export_streams_page_by_page_and_reads_every_signal_once(
    engine: Engine,
) -> None:
    """Five signals read two at a time come out once each, in order, as valid JSON and CSV;
    nothing is decrypted without personal data, and everything printed is with it."""
    refs = [await reported(Chat(engine, 42 + n)) for n in range(5)]
    counting = CountingCipher(engine.db.cipher)
    engine.db.cipher = counting  # type: ignore[assignment]
    out = io.StringIO()
    assert await write(engine.db, "json", out, page=2) == 5
    assert [r["ref"] for r in json.loads(out.getvalue())] == refs
    out = io.StringIO()
    assert await write(engine.db, "csv", out, page=2) == 5
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out.getvalue()))] == refs
    assert counting.decrypted == 0, "no personal field is decrypted when none is printed"
    out = io.StringIO()
    await write(engine.db, "json", out, page=2, with_personal_data=True)
    exported = json.loads(out.getvalue())
    assert all(r["description"].startswith("Ik ben erg eenzaam") for r in exported)
    assert counting.decrypted >= 5


async def test_an_empty_export_is_valid(engine: Engine) -> None:
    """No signals: an empty JSON list and a CSV with its header only."""
    assert json.loads(await export(engine.db, "json")) == []
    assert await export(engine.db, "csv") == ",".join(FIELDS) + "\n"


async def reported(chat: Chat) -> str:
    await report_to_summary(chat)
    await chat.tap("Versturen")
    return chat.text.split("Uw nummer is ")[1].split(".")[0]
