"""Wijksignaal: a Telegram bot in plain Dutch for residents to signal that someone needs help.

Rooms, top to bottom: ``bot.channels`` (Telegram, console) → ``bot.engine`` (flows) →
the services (``bot.intake``, ``bot.routing``, ``bot.workdays``) → ``storage``.
"""

from __future__ import annotations

__version__ = "0.1.0"
