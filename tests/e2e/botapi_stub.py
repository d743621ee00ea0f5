"""A local stand-in for the Telegram Bot API on 127.0.0.1, for running ``wijksignaal run``.

It serves ``getMe``, long-polled ``getUpdates`` from a queue the test fills, records
``sendMessage`` and answers everything else with ``true``. Updates stay queued until the bot
confirms them with a higher ``offset``, as Telegram does, so a bot killed before confirming gets
them again.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REJECTED_TOKEN = "999999:REJECTED"  # a token this stand-in refuses, as Telegram does
BOT = {"id": 1, "is_bot": True, "first_name": "Wijksignaal", "username": "wijksignaal_bot"}


class BotApiStub:
    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.history: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self._next_update = 1
        self.offset = 0  # the highest offset the bot confirmed with
        self.send_delay = 0.0  # seconds each sendMessage takes, as a slow network would
        self._cond = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> BotApiStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what the test does --------------------------------------------------------------

    def push_text(self, chat_id: int, text: str) -> None:
        message: dict[str, Any] = {
            "message_id": self._next_update,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Bewoner"},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
        self._push({"message": message})

    def push_tap(self, chat_id: int, label: str) -> None:
        data = self.button_data(chat_id, label)
        query = {
            "id": str(self._next_update),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Bewoner"},
            "chat_instance": str(chat_id),
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
            },
        }
        self._push({"callback_query": query})

    def exchange(self, chat_id: int, turns: list[tuple[str, str]]) -> dict[str, Any]:
        """Send each ``(text or tap label, expected reply fragment)`` after the previous answer.

        A turn whose first item is a button label on the latest keyboard is a tap; any other
        is typed. Returns the last matching reply.
        """
        reply: dict[str, Any] = {}
        for said, expected in turns:
            after = len(self.sent)
            try:
                self.button_data(chat_id, said)
            except AssertionError:
                self.push_text(chat_id, said)
            else:
                self.push_tap(chat_id, said)
            reply = self.wait_for_text(expected, after=after)
        return reply

    def push_raw(self, update: dict[str, Any]) -> None:
        """Queue any update body, readable or not (its ``update_id`` is set here)."""
        self._push(dict(update))

    def reply_after(self, chat_id: int, fragment: str, after: int) -> dict[str, Any] | None:
        """The first message to ``chat_id`` from index ``after`` that holds ``fragment``."""
        with self._cond:
            for message in self.sent[after:]:
                if message["chat_id"] == chat_id and fragment in message.get("text", ""):
                    return message
        return None

    def _push(self, update: dict[str, Any]) -> None:
        with self._cond:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self.history.append(update)
            self._cond.notify_all()

    def redeliver_last(self) -> None:
        """Queue the newest update again with its own id, as after a lost confirmation."""
        with self._cond:
            self.updates.append(self.history[-1])
            self._cond.notify_all()

    def button_data(self, chat_id: int, label: str) -> str:
        for message in reversed(self.sent):
            markup = message.get("reply_markup")
            if message["chat_id"] == chat_id and markup:
                for row in markup["inline_keyboard"]:
                    for button in row:
                        if button["text"] == label:
                            return str(button["callback_data"])
                break
        raise AssertionError(f"no button {label!r}")

    def wait_for_text(self, fragment: str, timeout: float = 20.0, after: int = 0) -> dict[str, Any]:
        """The first message sent (from index ``after``) whose text holds ``fragment``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for message in self.sent[after:]:
                    if fragment in message.get("text", ""):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = [m.get("text", "")[:60] for m in self.sent]
                    raise AssertionError(f"no message with {fragment!r}; sent: {texts}")
                self._cond.wait(left)

    # -- the HTTP side ---------------------------------------------------------------------

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and the body Telegram would give."""
        with self._cond:
            self.calls.append(method)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method == "getUpdates":
            offset = int(params.get("offset", 0) or 0)
            wait = min(float(params.get("timeout", 0) or 0), 1.0)
            deadline = time.monotonic() + wait
            with self._cond:
                if offset:
                    self.offset = max(self.offset, offset)
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                while not self.updates and time.monotonic() < deadline:
                    self._cond.wait(deadline - time.monotonic())
                return 200, {"ok": True, "result": list(self.updates)}
        if method == "sendMessage":
            return 200, {"ok": True, "result": self._sent(params)}
        return 200, {"ok": True, "result": True}

    def _sent(self, params: dict[str, Any]) -> dict[str, Any]:
        """Keep a message the bot sent; the message Telegram answers with."""
        time.sleep(self.send_delay)
        message = dict(params)
        message["chat_id"] = int(message["chat_id"])
        if isinstance(message.get("reply_markup"), str):
            message["reply_markup"] = json.loads(message["reply_markup"])
        with self._cond:
            self.sent.append(message)
            self._cond.notify_all()
            number = len(self.sent)
        return {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": message["chat_id"], "type": "private"},
            "text": message.get("text", ""),
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                method = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)).decode()
                if REJECTED_TOKEN in self.path:  # as Telegram answers a revoked or wrong token
                    self._write(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
                self._write(*stub._answer(method, params))

            def _write(self, status: int, answer: dict[str, Any]) -> None:
                payload = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the bot stopped while it waited (a long poll): nothing to answer

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler
