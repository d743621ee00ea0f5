-- Every update from Telegram, stored before Telegram is told it arrived and deleted in the
-- transaction of the turn that handled it; what is left at start-up is handled first. An update
-- that cannot be read, or whose turn failed, is set aside without its content.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    raw         TEXT,   -- the update's JSON, encrypted; NULL once set aside
    state       TEXT    NOT NULL DEFAULT 'nieuw'
                CHECK (state IN ('nieuw', 'onleesbaar', 'mislukt')),
    reason      TEXT,
    received_at TEXT    NOT NULL
);
CREATE INDEX inbox_state ON inbox (state, update_id);

-- A turn's replies, stored in its transaction and deleted once Telegram accepted them; what is
-- left (a crash, a network error) is sent again.
CREATE TABLE reply_queue (
    id         INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    payload    TEXT    NOT NULL,   -- encrypted JSON: text, buttons, document
    created_at TEXT    NOT NULL
);
CREATE INDEX reply_queue_chat ON reply_queue (chat_id);
CREATE INDEX reply_queue_created ON reply_queue (created_at);
