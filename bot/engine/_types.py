"""What goes into the engine (an :class:`Event`) and what comes out (a list of :class:`Reply`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class EventKind(Enum):
    TEXT = "text"
    BUTTON = "button"
    COMMAND = "command"
    UNSUPPORTED = "unsupported"  # a photo, voice note, sticker, location, file ...
    EDITED = "edited"


@dataclass(frozen=True)
class Event:
    """One incoming thing for one chat, whatever the channel."""

    chat_id: int
    user_id: int
    kind: EventKind
    text: str = ""
    update_id: int | None = None
    user_name: str | None = None

    @classmethod
    def button(cls, chat_id: int, data: str, update_id: int | None = None) -> Event:
        return cls(chat_id, chat_id, EventKind.BUTTON, data, update_id)

    @property
    def command_name(self) -> str:
        """``/Hulp@bot extra`` → ``hulp``."""
        word = self.text.strip().split(maxsplit=1)[0] if self.text.strip() else ""
        return word.lstrip("/").split("@", 1)[0].lower()

    @property
    def command_args(self) -> str:
        """``/signaal WS-2026-00001`` → ``WS-2026-00001``."""
        parts = self.text.strip().split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """One outgoing message: text, and buttons shown one per row."""

    text: str
    buttons: tuple[Button, ...] = ()
    chat_id: int | None = None  # another chat than the one the event came from
    document: tuple[str, bytes] | None = None  # a file to send along: (file name, content)
    # Told to the chat the event came from when ``chat_id`` has blocked the bot.
    if_blocked: str | None = None
