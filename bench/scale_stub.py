"""A local stand-in for the Telegram Bot API that holds the bot to Telegram's sending limit.

The end-to-end tests' stand-in (``tests/e2e/botapi_stub.py``) with the limit added: when the bot
sends more than :attr:`per_second` messages within any second, the message is refused with HTTP
429 and ``retry_after``, as Telegram does. Every message accepted is kept with the moment it
arrived, so the benchmark can count what arrived, what never did and what came twice.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any

from tests.e2e.botapi_stub import BotApiStub

WINDOW = 1.0  # seconds
RETRY_AFTER = 1  # seconds, as Telegram says it (a whole number)


class RateLimitedStub(BotApiStub):
    """The Bot API on 127.0.0.1 with Telegram's overall limit of messages per second."""

    def __init__(self, per_second: int = 30) -> None:
        super().__init__()
        self.per_second = per_second
        self.received: list[tuple[float, int]] = []  # (time.monotonic(), chat_id) accepted
        self.refused = 0  # answered with 429
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()

    def __enter__(self) -> RateLimitedStub:
        super().__enter__()
        return self

    def per_chat(self) -> Counter[int]:
        """How many messages each chat received."""
        with self._lock:
            return Counter(chat for _at, chat in self.received)

    def times_for(self, chats: set[int]) -> list[float]:
        """When each message to one of ``chats`` arrived, in order."""
        with self._lock:
            return [at for at, chat in self.received if chat in chats]

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "sendMessage":
            return super()._answer(method, params)
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
            self.received.append((now, int(params["chat_id"])))
        return super()._answer(method, params)
