"""A local stand-in for the Telegram Bot API that holds the bot to Telegram's sending limit.

A copy of ``tests/e2e/botapi_stub.py`` cut down to what ``python -m bench.scale`` needs (``getMe``,
an empty long poll, ``sendMessage``, ``true`` for the rest) and extended with the limit: when
the bot sends more than :attr:`per_second` messages within any second, the message is refused
with HTTP 429 and ``retry_after``, as Telegram does. Every message accepted is kept with the
moment it arrived, so the benchmark can count what arrived, what never did and what came twice.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT = {"id": 1, "is_bot": True, "first_name": "Wijksignaal", "username": "wijksignaal_bot"}
WINDOW = 1.0  # seconds
RETRY_AFTER = 1  # seconds, as Telegram says it (a whole number)


class RateLimitedStub:
    """The Bot API on 127.0.0.1 with Telegram's overall limit of messages per second."""

    def __init__(self, per_second: int = 30) -> None:
        self.per_second = per_second
        self.received: list[tuple[float, int]] = []  # (time.monotonic(), chat_id) accepted
        self.refused = 0  # answered with 429
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> RateLimitedStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def per_chat(self) -> Counter[int]:
        """How many messages each chat received."""
        with self._lock:
            return Counter(chat for _at, chat in self.received)

    def times_for(self, chats: set[int]) -> list[float]:
        """When each message to one of ``chats`` arrived, in order."""
        with self._lock:
            return [at for at, chat in self.received if chat in chats]

    def _send(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            while self._recent and self._recent[0] <= now - WINDOW:
                self._recent.popleft()
            if len(self._recent) >= self.per_second:
                self.refused += 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {RETRY_AFTER}",
                    "parameters": {"retry_after": RETRY_AFTER},
                }
            self._recent.append(now)
            chat_id = int(params["chat_id"])
            self.received.append((now, chat_id))
            number = len(self.received)
        message = {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "text": str(params.get("text", "")),
        }
        return 200, {"ok": True, "result": message}

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage":
            return self._send(params)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT}
        if method == "getUpdates":
            time.sleep(min(float(params.get("timeout", 0) or 0), 1.0))
            return 200, {"ok": True, "result": []}
        return 200, {"ok": True, "result": True}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                method = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
                status, answer = stub._answer(method, params)
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
