-- People who talk to the bot. A resident gets a row only when something needs their chat link.
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL UNIQUE,
    role        TEXT    NOT NULL DEFAULT 'bewoner'
                CHECK (role IN ('bewoner', 'raadslid', 'teamlid', 'coordinator')),
    language    TEXT    NOT NULL DEFAULT 'nl',
    created_at  TEXT    NOT NULL
);

-- One conversation state per chat, written in the same transaction as the turn's domain writes.
-- last_update_id: Telegram's update ids only grow, so an update at or below it was handled.
CREATE TABLE conversations (
    chat_id        INTEGER PRIMARY KEY,
    last_update_id INTEGER,
    flow       TEXT,
    step       TEXT,
    ask_id     INTEGER NOT NULL DEFAULT 0,
    data       TEXT    NOT NULL DEFAULT '{}',
    notice     TEXT,
    language   TEXT,
    updated_at TEXT    NOT NULL
);

CREATE TABLE reference_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE signals (
    id             INTEGER PRIMARY KEY,
    ref            TEXT    NOT NULL UNIQUE,
    created_at     TEXT    NOT NULL,
    category       TEXT    NOT NULL,
    team           TEXT    NOT NULL,
    status         TEXT    NOT NULL DEFAULT 'nieuw'
                   CHECK (status IN ('nieuw', 'opgepakt', 'afgerond', 'doorgestuurd', 'heropend')),
    about          TEXT    NOT NULL CHECK (about IN ('zelf', 'ander', 'buurt')),
    subject_knows  INTEGER,
    description    TEXT    NOT NULL,
    postcode       TEXT,
    postcode4      TEXT,
    anonymous      INTEGER NOT NULL,
    source         TEXT    NOT NULL CHECK (source IN ('bewoner', 'raadslid')),
    reporter_id    INTEGER REFERENCES people (id) ON DELETE SET NULL,
    contact_method TEXT    CHECK (contact_method IN ('chat', 'telefoon')),
    contact_phone  TEXT,
    deadline       TEXT    NOT NULL,
    route_reason   TEXT    NOT NULL,
    language       TEXT    NOT NULL
);
CREATE INDEX signals_team_status ON signals (team, status);

-- Every change to a signal: who, when, from, to, note.
CREATE TABLE signal_events (
    id          INTEGER PRIMARY KEY,
    signal_id   INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT
);
CREATE INDEX signal_events_signal ON signal_events (signal_id);

-- Consent per purpose, with the version of the text that was shown.
CREATE TABLE consents (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER REFERENCES people (id) ON DELETE SET NULL,
    signal_id    INTEGER REFERENCES signals (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('melden', 'contact', 'vrijwilliger', 'anoniem')),
    text_version TEXT    NOT NULL,
    given        INTEGER NOT NULL,
    answered_at  TEXT    NOT NULL,
    withdrawn_at TEXT
);
CREATE INDEX consents_signal ON consents (signal_id);
