"""Updates of different chats at once, each chat's own strictly one after another.

python-telegram-bot hands every fetched update to the application's update processor (see
``telegram.ext.BaseUpdateProcessor``). When the processor allows more than one update at a time,
the Application starts one task per update, in the order the updates were fetched (Telegram's
``update_id`` order), and each task enters :meth:`ChatOrder.do_process_update` in that order:
the base class admits them through an ``asyncio.Semaphore``, which wakes its waiters first come,
first served, and nothing in between awaits.

:class:`ChatOrder` lines each update up behind the earlier ones of its chat (an ``asyncio.Lock``
per chat: it too serves first come, first served, and the place in the line is taken before the
first ``await``), and only then takes one of ``max_running`` places in the handlers. An update
waiting for its own chat holds no place, so a chat with many updates waiting cannot hold up the
others. A chat's lock is forgotten as soon as no update of that chat is admitted, so the table
never holds more chats than there are admitted updates.

The order matters beyond politeness: the engine answers an update whose id is not above the
chat's last one as already seen (a redelivery), so an update overtaken by a later one of the
same chat would go unanswered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

OrderKey = int | None
"""A chat id, else a user id (equal to the id of the user's private chat), else ``None``: the one
line for updates with neither."""


def order_key(update: object) -> OrderKey:
    """Whose line an update joins: its chat's, else its sender's, else the common one."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


@dataclass
class _Line:
    """One chat's lock and how many of its updates are admitted (waiting or being handled)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    admitted: int = 0


class ChatOrder(BaseUpdateProcessor):
    """An update processor: chats in parallel, each chat in order.

    At most ``max_running`` updates are in the handlers at once. At most ``max_admitted`` updates
    (default sixteen times as many) are admitted at all, running or waiting behind an earlier one
    of their chat; python-telegram-bot keeps the rest waiting in fetch order. The Application's
    ``concurrent_updates`` reports ``max_admitted``.
    """

    __slots__ = ("_lines", "_max_running", "_running")

    def __init__(self, max_running: int = 256, max_admitted: int | None = None) -> None:
        admitted = max_admitted if max_admitted is not None else 16 * max_running
        if max_running < 1 or admitted < max_running:
            raise ValueError("need 1 <= max_running <= max_admitted")
        super().__init__(admitted)
        self._max_running = max_running
        self._running = asyncio.Semaphore(max_running)
        self._lines: dict[OrderKey, _Line] = {}

    @property
    def max_running(self) -> int:
        """How many updates may be in the handlers at once."""
        return self._max_running

    @property
    def chats(self) -> int:
        """How many chats have an update admitted: the size of the table of locks."""
        return len(self._lines)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = order_key(update)
        line = self._lines.get(key)
        if line is None:
            line = self._lines[key] = _Line()
        line.admitted += 1
        started = False
        try:
            async with line.lock, self._running:
                started = True
                await coroutine
        finally:
            line.admitted -= 1
            if line.admitted == 0:
                del self._lines[key]
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled while waiting: never "never awaited"

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made as chats come."""

    async def shutdown(self) -> None:
        """Nothing to free: the Application waits for the updates in progress itself."""
