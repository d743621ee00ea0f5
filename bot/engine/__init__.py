"""The channel-agnostic conversation engine: flows as data, one state per chat."""

from __future__ import annotations

from bot.engine._context import (
    Action,
    ActionContext,
    Handler,
    PrivateDesk,
    Service,
    StartFlow,
)
from bot.engine._flow import FLOWS_DIR, Flow, Step, load_flow, load_flows
from bot.engine._runner import EXPIRED_NOTICE, Engine
from bot.engine._sizes import TEXT_LIMIT, fit, shorten, split, units
from bot.engine._types import Button, Event, EventKind, Reply, normalise
from bot.engine._validators import MAX_MESSAGE_LENGTH, VALIDATORS, Invalid, has_content

__all__ = [
    "EXPIRED_NOTICE",
    "FLOWS_DIR",
    "MAX_MESSAGE_LENGTH",
    "TEXT_LIMIT",
    "VALIDATORS",
    "Action",
    "ActionContext",
    "Button",
    "Engine",
    "Event",
    "EventKind",
    "Flow",
    "Handler",
    "Invalid",
    "PrivateDesk",
    "Reply",
    "Service",
    "StartFlow",
    "Step",
    "fit",
    "has_content",
    "load_flow",
    "load_flows",
    "normalise",
    "shorten",
    "split",
    "units",
]
