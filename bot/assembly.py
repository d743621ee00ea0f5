"""Putting the bot together: the engine with its flows, actions, services and language tools.

The command line, the benchmark and the tests build the engine here, so they all run the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.checkins import Checkins
from bot.clock import Clock
from bot.config import Config
from bot.digests import Digests
from bot.engine import Action, Engine, Flow, load_flows
from bot.feedback import Feedback
from bot.i18n import LANGUAGES, Catalogs
from bot.intake import ACTIONS
from bot.language import Language
from bot.offer_desk import OfferDesk
from bot.relay import Relay
from bot.rights import Rights
from bot.team import TeamDesk
from bot.wijkbeeld import WijkbeeldDesk
from storage import Database

ACTION_NAMES: tuple[str, ...] = (
    *ACTIONS,
    *TeamDesk.ACTION_NAMES,
    *Checkins.ACTION_NAMES,
    *Feedback.ACTION_NAMES,
    *Relay.ACTION_NAMES,
    *OfferDesk.ACTION_NAMES,
)


def flows(catalogs: Catalogs | None = None) -> dict[str, Flow]:
    """Every flow in ``conversations/``; with catalogs, every text checked in both languages."""
    has_msgid = None
    if catalogs is not None:
        checked = catalogs

        def has_msgid(msgid: str) -> bool:
            return all(checked.has(msgid, lang) for lang in LANGUAGES)

    return load_flows(actions=ACTION_NAMES, has_msgid=has_msgid)


def actions(config: Config) -> dict[str, Action]:
    return {
        **ACTIONS,
        **TeamDesk(config).actions(),
        **Checkins(config).actions(),
        **Feedback(config).actions(),
        **Relay(config).actions(),
        **OfferDesk(config).actions(),
    }


def build_engine(
    db: Database,
    config: Config,
    clock: Clock,
    loaded: Mapping[str, Flow] | None = None,
    *,
    language: Language | None = None,
    replace_actions: Mapping[str, Action] | None = None,
) -> Engine:
    """The engine as the bot runs it; tests may replace actions by name."""
    desk = TeamDesk(config)
    offers = OfferDesk(config)  # one per engine: it remembers open "which postcode?" questions
    return Engine(
        db,
        config,
        clock,
        loaded if loaded is not None else flows(),
        {**actions(config), **(replace_actions or {})},
        language=language or Language.load(),
        services=(
            desk.service(),
            Digests(config).service(),
            Rights().service(),
            Checkins(config).service(),
            Feedback(config).service(),
            Relay(config).service(),
            offers.service(),
            WijkbeeldDesk(config).service(),
        ),
    )
