-- Follow-up check-ins: every planned one is a row; the JobQueue only wakes the bot up.
CREATE TABLE checkins (
    id        INTEGER PRIMARY KEY,
    signal_id INTEGER REFERENCES signals (id) ON DELETE SET NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('na_melding', 'na_afronding')),
    due_at    TEXT    NOT NULL,
    state     TEXT    NOT NULL DEFAULT 'gepland'
              CHECK (state IN ('gepland', 'verstuurd', 'beantwoord', 'overgeslagen')),
    reason    TEXT,
    sent_at   TEXT
);
CREATE INDEX checkins_due ON checkins (state, due_at);

ALTER TABLE people ADD COLUMN no_questions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN unreachable_at TEXT;

-- Set by a reporter's answer that needs the team's eye ("slechter", a reopen request).
ALTER TABLE signals ADD COLUMN attention TEXT;
