-- The team side: members and their teams, invites, who claimed a signal, outcomes,
-- a log of every view of a signal's personal data, and the digests sent.
ALTER TABLE people ADD COLUMN display_name TEXT;
ALTER TABLE people ADD COLUMN revoked_at TEXT;

CREATE TABLE memberships (
    person_id INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    team      TEXT    NOT NULL,
    PRIMARY KEY (person_id, team)
);

CREATE TABLE invites (
    code       TEXT PRIMARY KEY,
    role       TEXT NOT NULL CHECK (role IN ('teamlid', 'raadslid', 'coordinator')),
    team       TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    used_by    INTEGER REFERENCES people (id)
);

ALTER TABLE signals ADD COLUMN claimed_by INTEGER REFERENCES people (id);
ALTER TABLE signals ADD COLUMN outcome TEXT;

CREATE TABLE signal_views (
    id        INTEGER PRIMARY KEY,
    signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES people (id),
    at        TEXT    NOT NULL
);

CREATE TABLE digests (
    team    TEXT NOT NULL,
    day     TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (team, day)
);
