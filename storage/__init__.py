"""The aiosqlite data layer: one module per aggregate, numbered SQL migrations.

Open a :class:`Database`, then do each conversation turn inside one
``async with db.transaction() as tx:``; ``tx`` carries the repositories.
"""

from __future__ import annotations

from storage._conversations import Conversations, ConversationState
from storage._crypto import Cipher, WrongKeyError
from storage._db import ENCRYPTED_COLUMNS, Database, migrations
from storage._inbox import Inbox, QueuedIds, ReplyQueue
from storage._members import Invite, Member, Members
from storage._offers import OFFER_AFTER_REPORT, OFFER_AT_CLOSING, SignalOffer, SignalOffers
from storage._people import People, Person
from storage._signals import (
    REPORTER_ACTOR,
    ConsentAnswer,
    NewSignal,
    SignalEvent,
    Signals,
    StoredSignal,
)
from storage._time import from_db_time, to_db_time
from storage._tx import Tx

__all__ = [
    "ENCRYPTED_COLUMNS",
    "OFFER_AFTER_REPORT",
    "OFFER_AT_CLOSING",
    "REPORTER_ACTOR",
    "Cipher",
    "ConsentAnswer",
    "ConversationState",
    "Conversations",
    "Database",
    "Inbox",
    "Invite",
    "Member",
    "Members",
    "NewSignal",
    "People",
    "Person",
    "QueuedIds",
    "ReplyQueue",
    "SignalEvent",
    "SignalOffer",
    "SignalOffers",
    "Signals",
    "StoredSignal",
    "Tx",
    "WrongKeyError",
    "from_db_time",
    "migrations",
    "to_db_time",
]
