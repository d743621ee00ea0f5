"""An offline stand-in for the Bot API, as python-telegram-bot's own tests use.

:class:`OfflineRequest` replaces the HTTP layer of a real ``Application``: every call the bot
makes is recorded and answered like Telegram would, without a network. The ``*_update``
helpers build the JSON of incoming updates. Tests and the benchmark drive the real
``Application.process_update`` with them.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1, "is_bot": True, "first_name": "Wijksignaal", "username": "wijksignaal_bot"}
_DATE = 1_795_000_000


@dataclass
class SentCall:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)  # uploads (a photo, a document)


@dataclass
class OfflineRequest(BaseRequest):
    """Records every Bot API call and answers it with a plausible result."""

    calls: list[SentCall] = field(default_factory=list)
    last_markup: dict[int, dict[str, Any]] = field(default_factory=dict)
    record: bool = True
    too_many_requests: set[int] = field(default_factory=set)  # nth sendMessage calls to refuse
    blocked_chats: set[int] = field(default_factory=set)  # chats that blocked the bot (403)
    waiting: list[Any] = field(default_factory=list)  # raw updates for getUpdates to serve
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    send_attempts: int = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def before_call(self, api_method: str, params: dict[str, Any]) -> None:
        """Called before every Bot API call is answered: a subclass may make it wait here (a
        slow chat, Telegram's limits)."""
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        await self.before_call(api_method, params)
        if api_method.startswith("send") and int(str(params.get("chat_id"))) in self.blocked_chats:
            refusal = {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
            return 403, json.dumps(refusal).encode()
        if api_method == "sendMessage":
            self.send_attempts += 1
            if self.send_attempts in self.too_many_requests:
                refusal = {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                }
                return 429, json.dumps(refusal).encode()
        if self.record:
            files = request_data.multipart_data if request_data else {}
            uploads = {name: _content(part) for name, part in files.items()}
            self.calls.append(SentCall(api_method, params, uploads))
        result: Any = True
        if api_method == "getMe":
            result = BOT_USER
        elif api_method == "getUpdates":
            result = self.serve_updates(params.get("offset"))
        elif api_method in ("sendDocument", "sendPhoto"):
            result = {
                "message_id": next(self._ids),
                "date": _DATE,
                "chat": {"id": int(str(params["chat_id"])), "type": "private"},
                "from": BOT_USER,
            }
        elif api_method == "sendMessage":
            markup = params.get("reply_markup")
            if isinstance(markup, dict):
                self.last_markup[int(str(params["chat_id"]))] = markup
            result = {
                "message_id": next(self._ids),
                "date": _DATE,
                "chat": {"id": params["chat_id"], "type": "private"},
                "from": BOT_USER,
                "text": params.get("text", ""),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def serve_updates(self, offset: object) -> list[Any]:
        """What Telegram would answer ``getUpdates`` with: the updates from ``offset`` on (100
        at most); those below it are forgotten. An item without an integer id cannot be
        confirmed by an offset: it is served once."""
        if isinstance(offset, int):
            self.waiting = [u for u in self.waiting if not _below(u, offset)]
        batch = self.waiting[:100]
        self.waiting = [u for u in batch if _id(u) is not None] + self.waiting[100:]
        return batch

    def sent(self) -> list[SentCall]:
        """The messages sent so far (``sendMessage`` calls only)."""
        return [c for c in self.calls if c.method == "sendMessage"]

    def photos(self, chat_id: int | None = None) -> list[SentCall]:
        """The pictures sent so far (``sendPhoto``), to ``chat_id`` or to anyone; the PNG is in
        ``files["photo"]``, the caption in ``params``."""
        return [
            c
            for c in self.calls
            if c.method == "sendPhoto"
            and (chat_id is None or int(str(c.params["chat_id"])) == chat_id)
        ]


def _id(raw: object) -> int | None:
    """The update id of a raw update, when it has one as Telegram's (64 bits at most)."""
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    return update_id if type(update_id) is int and abs(update_id) < 2**63 else None


def _below(raw: object, offset: int) -> bool:
    """Whether Telegram forgets ``raw`` when asked from ``offset``."""
    update_id = _id(raw)
    return update_id is not None and update_id < offset


def _content(part: Any) -> bytes:
    """The bytes of one multipart upload: python-telegram-bot gives (name, content, type)."""
    content = part[1] if isinstance(part, tuple) else part
    return content if isinstance(content, bytes) else bytes(content.read())


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Bewoner", "language_code": "nl"}


def _message(chat_id: int, message_id: int, **content: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": _DATE,
        "chat": {"id": chat_id, "type": "private"},
        "from": _user(chat_id),
        **content,
    }


def text_json(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """The JSON of a text message; one starting with ``/`` carries a bot_command entity, as
    Telegram sends."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": _message(chat_id, update_id, **content)}


def button_json(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    """The JSON of a tap on an inline button."""
    query = {
        "id": str(update_id),
        "from": _user(chat_id),
        "chat_instance": str(chat_id),
        "data": data,
        "message": _message(chat_id, update_id, text="..."),
    }
    return {"update_id": update_id, "callback_query": query}


def text_update(bot: Bot, update_id: int, chat_id: int, text: str) -> Update:
    """A text message (:func:`text_json`)."""
    return Update.de_json(text_json(update_id, chat_id, text), bot)


def button_update(bot: Bot, update_id: int, chat_id: int, data: str) -> Update:
    """A tap on an inline button (:func:`button_json`)."""
    return Update.de_json(button_json(update_id, chat_id, data), bot)


def photo_update(bot: Bot, update_id: int, chat_id: int) -> Update:
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}]
    return Update.de_json(
        {"update_id": update_id, "message": _message(chat_id, update_id, photo=photo)}, bot
    )


def service_update(bot: Bot, update_id: int, chat_id: int, **content: Any) -> Update:
    """A service message in the chat: ``pinned_message={...}``,
    ``message_auto_delete_timer_changed={...}``, ``write_access_allowed={...}`` and the like."""
    return Update.de_json(
        {"update_id": update_id, "message": _message(chat_id, update_id, **content)}, bot
    )


def edited_update(bot: Bot, update_id: int, chat_id: int, text: str) -> Update:
    edited = _message(chat_id, update_id, text=text, edit_date=_DATE + 5)
    return Update.de_json({"update_id": update_id, "edited_message": edited}, bot)


async def poll_once(app: Application[Any, Any, Any, Any, Any, Any], offset: int) -> int:
    """One round of python-telegram-bot's polling loop (``Updater._start_polling``): fetch
    from ``offset`` with the application's bot, hand each update to its update processor in
    order, and return the next offset (one past the last update returned)."""
    updates = await app.bot.get_updates(offset=offset, timeout=0)
    for update in updates:
        await app.update_processor.process_update(update, app.process_update(update))
    return updates[-1].update_id + 1 if updates else offset


class OfflineChat:
    """A resident in a private chat with an offline ``Application``: types and taps."""

    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], request: OfflineRequest, chat_id: int
    ) -> None:
        self.app = app
        self.request = request
        self.chat_id = chat_id
        self._update_ids = itertools.count(chat_id * 1000)
        self.busy = 0.0  # seconds spent inside Application.process_update

    def next_update_id(self) -> int:
        """A fresh update id: Telegram's ids only grow."""
        return next(self._update_ids)

    async def send(self, text: str) -> list[dict[str, Any]]:
        """Type ``text``; the messages the bot sent in answer."""
        return await self._process(
            text_update(self.app.bot, self.next_update_id(), self.chat_id, text)
        )

    async def tap(self, label: str) -> list[dict[str, Any]]:
        """Tap the button labelled ``label`` on the bot's latest keyboard."""
        return await self.press(self.button_data(label))

    async def press(self, data: str) -> list[dict[str, Any]]:
        """Press a button whose callback data is ``data``: one shown, or a forged one."""
        return await self._process(
            button_update(self.app.bot, self.next_update_id(), self.chat_id, data)
        )

    async def _process(self, update: Update) -> list[dict[str, Any]]:
        before = len(self.request.calls)
        start = time.perf_counter()
        await self.app.process_update(update)
        self.busy += time.perf_counter() - start
        return [
            c.params
            for c in self.request.calls[before:]
            if c.method == "sendMessage" and c.params.get("chat_id") == self.chat_id
        ]

    def button_data(self, label: str) -> str:
        markup = self.request.last_markup.get(self.chat_id)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if button["text"] == label:
                    return str(button["callback_data"])
        raise LookupError(f"no button {label!r} on the last keyboard of chat {self.chat_id}")
