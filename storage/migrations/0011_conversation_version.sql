-- Each conversation row carries a version, raised by every write: the bot keeps the states of
-- active chats in memory and writes them back only if nobody changed the row meanwhile (another
-- process such as `person forget`, or the sweep); otherwise the turn is run again on a fresh read.
ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
