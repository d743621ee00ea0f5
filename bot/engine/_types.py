"""What goes into the engine (an :class:`Event`) and what comes out (a list of :class:`Reply`)."""

from __future__ import annotations

import base64
import json
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

from bot.text import mend_surrogates

# Control characters other than tab and newline, and the non-characters U+FFFE and U+FFFF.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
# Longer than anything the bot asks for; a description is checked against its own maximum.
MAX_EVENT_TEXT = 16_384


def clean_text(text: str) -> str:
    """Text as the engine may store and send it: surrogate halves that form a pair are joined,
    a lone one becomes U+FFFD, control characters go, line ends become newlines, NFC."""
    text = mend_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _CONTROL.sub("", text))[:MAX_EVENT_TEXT]


def normalise(text: str) -> str:
    """Text as a typed answer is compared with a button's label: case, punctuation and extra
    spaces left out."""
    return " ".join("".join(c for c in text.casefold() if c.isalnum() or c.isspace()).split())


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

    def __post_init__(self) -> None:
        # Cleaned here, where every channel hands its input over: nothing after this point
        # has to cope with text SQLite or Telegram would refuse.
        object.__setattr__(self, "text", clean_text(self.text))
        if self.user_name is not None:
            object.__setattr__(self, "user_name", clean_text(self.user_name)[:64])

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
    """One outgoing message: text, and buttons shown one per row; optionally a file or a
    picture (a chart, PNG) sent after the text, or under it as its caption when it is short."""

    text: str
    buttons: tuple[Button, ...] = ()
    chat_id: int | None = None  # another chat than the one the event came from
    document: tuple[str, bytes] | None = None  # a file to send along: (file name, content)
    photo: bytes | None = None  # a picture to show in the chat (PNG)
    # Told to the chat the event came from when ``chat_id`` has blocked the bot.
    if_blocked: str | None = None
    # Where the reply waits in the reply queue until Telegram accepted it (durable engines).
    queue_id: int | None = field(default=None, compare=False)

    def to_json(self) -> str:
        """The reply as stored in the reply queue."""
        document = None
        if self.document is not None:
            document = [self.document[0], base64.b64encode(self.document[1]).decode()]
        photo = base64.b64encode(self.photo).decode() if self.photo is not None else None
        return json.dumps(
            {
                "text": self.text,
                "buttons": [[b.label, b.data] for b in self.buttons],
                "chat_id": self.chat_id,
                "document": document,
                "photo": photo,
                "if_blocked": self.if_blocked,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, payload: str, queue_id: int | None = None) -> Reply:
        data = json.loads(payload)
        document = data.get("document")
        photo = data.get("photo")
        return cls(
            str(data["text"]),
            tuple(Button(str(label), str(value)) for label, value in data.get("buttons", [])),
            data.get("chat_id"),
            (str(document[0]), base64.b64decode(document[1])) if document else None,
            base64.b64decode(photo) if photo else None,
            data.get("if_blocked"),
            queue_id,
        )
