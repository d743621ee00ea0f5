"""What a service gives the engine and what an action or handler gets from it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.config import Config
from bot.engine._types import Event, Reply
from bot.i18n import LANGUAGES, _
from bot.language import Language
from storage import ConversationState, Database, Tx


@dataclass
class ActionContext:
    """What a named action gets: the open transaction, the chat's state and the turn's facts."""

    tx: Tx
    state: ConversationState
    event: Event
    now: datetime
    config: Config
    reader: Language | None = None  # the crisis check and the category suggestion
    replies: list[Reply] = field(default_factory=list)
    forget_chat: bool = False  # set by a handler that removed this chat's data
    # Work left for after the turn's commit, so it does not hold the database (see
    # Engine._afterwards): it gets the database for short transactions of its own and gives
    # more replies for this chat.
    later: list[Callable[[Database], Awaitable[list[Reply]]]] = field(default_factory=list)

    @property
    def answers(self) -> dict[str, Any]:
        return self.state.data.setdefault("answers", {})  # type: ignore[no-any-return]

    @property
    def vars(self) -> dict[str, Any]:
        return self.state.data.setdefault("vars", {})  # type: ignore[no-any-return]

    @property
    def consents(self) -> dict[str, Any]:
        return self.state.data.setdefault("consents", {})  # type: ignore[no-any-return]

    @property
    def language(self) -> str:
        return self.state.language or LANGUAGES[0]

    def say(self, key: str, **params: Any) -> None:
        self.replies.append(Reply(_(key, **params)))


Action = Callable[[ActionContext], Awaitable[str | None]]
"""A named action; it may return a step id to go to instead of the step's ``next``."""


@dataclass(frozen=True)
class StartFlow:
    """What a command or button handler returns to start a flow, with values for its texts."""

    flow: str
    vars: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[ActionContext, str], Awaitable[StartFlow | None]]
"""A service's command (gets the arguments) or button (gets the data after its prefix)."""


class PrivateDesk(Protocol):
    """Exchanges that leave nothing behind (``/buurt``): no conversation state, no domain
    writes, only replies. The engine asks :meth:`claims` about every event of every chat
    (so a desk can drop a question left open when the chat did something else)."""

    # The commands the desk answers (in :meth:`claims`), for the list of every command.
    commands: tuple[str, ...]

    def claims(self, event: Event, now: datetime) -> bool:
        """Whether this event belongs to the desk."""
        ...

    async def handle(self, ctx: ActionContext) -> bool:
        """Answer the event (``ctx.replies``) without writing; whether the exchange ended (the
        engine then asks the chat's open question again, if it has one)."""
        ...


@dataclass(frozen=True)
class Service:
    """Commands and buttons a service adds to the engine; ``start_payload`` gets /start CODE.

    ``start_buttons`` (a label msgid and the button's data, which one of ``buttons`` or the
    ``private`` desk handles) are shown under the first question of the main flow, the start
    screen."""

    commands: Mapping[str, Handler] = field(default_factory=dict)
    buttons: Mapping[str, Handler] = field(default_factory=dict)
    start_payload: Handler | None = None
    start_buttons: tuple[tuple[str, str], ...] = ()
    private: PrivateDesk | None = None
