"""A prepared database for the wijkbeeld: signals of Zaandam-Noord over five quarters, made
through the storage layer, each with its pick-up, outcome and check-in answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Config
from bot.workdays import add_working_days, deadline_for
from storage import Database, Tx
from tests.conftest import AMS
from tests.test_storage import new_signal

TEAM = "zaandam-noord"
# Said in every description: a wijkbeeld that printed a description would show it.
SECRET = "mevrouw Jansen van de Dorpsstraat 12"


@dataclass(frozen=True)
class Made:
    """What to make: ``count`` signals alike."""

    count: int
    category: str
    postcode4: str | None
    created: datetime  # local time
    picked_after: int | None = None  # working days after the report; None: not picked up
    outcome: str | None = None
    answers: tuple[str, ...] = ()
    team: str = TEAM


async def make(tx: Tx, config: Config, made: Made) -> None:
    days = config.categories[made.category].deadline_working_days
    for _n in range(made.count):
        ref = await tx.signals.next_reference("WS", made.created.year)
        postcode = f"{made.postcode4} AB" if made.postcode4 else None
        signal = new_signal(
            created_at=made.created,
            category=made.category,
            team=made.team,
            about="ander",
            description=f"Zorgen om {SECRET}.",
            postcode=postcode,
            postcode4=made.postcode4,
            subject_knows=False,
            deadline=deadline_for(made.created, days, AMS),
        )
        signal_id = await tx.signals.create(signal, ref, "melder")
        if made.picked_after is not None:
            day = add_working_days(made.created.date(), made.picked_after)
            picked = datetime(day.year, day.month, day.day, 11, 0, tzinfo=AMS)
            stored = await tx.signals.by_id(signal_id)
            assert stored is not None
            await tx.signals.change(stored, picked, "Anna", "opgepakt", "opgepakt")
            if made.outcome is not None:
                stored = await tx.signals.by_id(signal_id)
                assert stored is not None
                await tx.signals.change(
                    stored,
                    picked + timedelta(hours=2),
                    "Anna",
                    f"afgerond:{made.outcome}",
                    "afgerond",
                    "Notitie over " + SECRET,
                    outcome=made.outcome,
                )
        for answer in made.answers:
            await tx.signals.add_event(
                signal_id,
                made.created + timedelta(days=14),
                "melder",
                f"checkin:{answer}",
                None,
                None,
            )


async def prepare(db: Database, config: Config, plan: list[Made]) -> None:
    async with db.transaction() as tx:
        for made in plan:
            await make(tx, config, made)


MONDAY_Q4 = datetime(2026, 10, 5, 9, 0, tzinfo=AMS)
MONDAY_Q3 = datetime(2026, 7, 6, 9, 0, tzinfo=AMS)

# Zaandam-Noord: 1503 and 1504 (and signals without a postcode); quarter 2026Q4 against Q3.
PLAN = [
    # 2026Q4, 1503: eenzaamheid 10 (6 closed: 3 collective, 3 contact), geldzorgen 6, overlast 2
    Made(3, "eenzaamheid", "1503", MONDAY_Q4, 0, "collectief_aanbod", ("beter",)),
    Made(3, "eenzaamheid", "1503", MONDAY_Q4, 2, "contact_gelegd", ("beter",)),
    Made(2, "eenzaamheid", "1503", MONDAY_Q4, 5, None, ("hetzelfde",)),
    Made(2, "eenzaamheid", "1503", MONDAY_Q4, None, None, ("slechter",)),
    Made(6, "geldzorgen", "1503", MONDAY_Q4, 1, "doorverwezen"),
    Made(2, "overlast", "1503", MONDAY_Q4, 1),
    # 2026Q4, 1504: eenzaamheid 7, geldzorgen 5, mantelzorg 1
    Made(7, "eenzaamheid", "1504", MONDAY_Q4, 1, "collectief_aanbod", ("beter",)),
    Made(5, "geldzorgen", "1504", MONDAY_Q4, 4),
    Made(1, "mantelzorg", "1504", MONDAY_Q4, 1),
    # 2026Q3: 1503 eenzaamheid 6, geldzorgen 5; 1504 eenzaamheid 9, overlast 3
    Made(6, "eenzaamheid", "1503", MONDAY_Q3, 1, "contact_gelegd"),
    Made(5, "geldzorgen", "1503", MONDAY_Q3, 1),
    Made(9, "eenzaamheid", "1504", MONDAY_Q3, 3),
    Made(3, "overlast", "1504", MONDAY_Q3, 3),
    # Another team and another quarter: never counted for Zaandam-Noord in 2026Q4.
    Made(20, "eenzaamheid", "1560", MONDAY_Q4, 1, team="krommenie"),
    Made(9, "eenzaamheid", "1503", datetime(2027, 1, 4, 9, 0, tzinfo=AMS), 1),
]
