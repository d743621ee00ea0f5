-- Every table that points at a person has a deliberate rule, so forgetting a person always
-- works; a person can hold more than one role; invites can be withdrawn; code guesses counted.

-- Invites: the code stays (it was used, or is withdrawn) without the person who used it.
CREATE TABLE invites_new (
    code         TEXT PRIMARY KEY,
    role         TEXT NOT NULL CHECK (role IN ('teamlid', 'raadslid', 'coordinator')),
    team         TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_at      TEXT,
    used_by      INTEGER REFERENCES people (id) ON DELETE SET NULL,
    withdrawn_at TEXT
);
INSERT INTO invites_new (code, role, team, created_at, expires_at, used_at, used_by)
    SELECT code, role, team, created_at, expires_at, used_at, used_by FROM invites;
DROP TABLE invites;
ALTER TABLE invites_new RENAME TO invites;
CREATE INDEX invites_used_by ON invites (used_by);
CREATE INDEX invites_open ON invites (expires_at) WHERE used_at IS NULL AND withdrawn_at IS NULL;

-- The view log keeps that a signal was viewed, and when, without the person who was forgotten.
CREATE TABLE signal_views_new (
    id        INTEGER PRIMARY KEY,
    signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    person_id INTEGER REFERENCES people (id) ON DELETE SET NULL,
    at        TEXT    NOT NULL
);
INSERT INTO signal_views_new (id, signal_id, person_id, at)
    SELECT id, signal_id, person_id, at FROM signal_views;
DROP TABLE signal_views;
ALTER TABLE signal_views_new RENAME TO signal_views;
CREATE INDEX signal_views_signal ON signal_views (signal_id);
CREATE INDEX signal_views_person ON signal_views (person_id);

-- signals.claimed_by was added without a rule and SQLite cannot change a column's rule in place
-- (rebuilding signals would cascade into its events): a trigger keeps the signal, unclaimed.
CREATE INDEX signals_claimed_by ON signals (claimed_by);
CREATE INDEX signals_reporter ON signals (reporter_id);
CREATE INDEX consents_person ON consents (person_id);
CREATE TRIGGER people_forget_claims BEFORE DELETE ON people
BEGIN
    UPDATE signals SET claimed_by = NULL WHERE claimed_by = OLD.id;
END;

-- One role per team a person belongs to; people.role stays the highest role they hold.
ALTER TABLE memberships ADD COLUMN role TEXT NOT NULL DEFAULT 'teamlid'
    CHECK (role IN ('teamlid', 'raadslid'));
UPDATE memberships SET role = 'raadslid'
    WHERE person_id IN (SELECT id FROM people WHERE role = 'raadslid');

-- Wrong invite codes per account, to pause a guesser; old rows are pruned as new ones come.
CREATE TABLE code_attempts (
    telegram_id INTEGER NOT NULL,
    at          TEXT    NOT NULL
);
CREATE INDEX code_attempts_who ON code_attempts (telegram_id, at);

-- Forgetting a person drops the messages still waiting for their chat.
CREATE INDEX outbox_chat ON outbox (chat_id) WHERE sent_at IS NULL;
