-- The neighbourhood's offer with a signal: the activities offered to the reporter after the
-- report (and whether they want the team to talk it over with them), and the activity the team
-- chose when it closed the signal with "collectief aanbod". Deleted with the signal.
CREATE TABLE signal_offers (
    id          INTEGER PRIMARY KEY,
    signal_id   INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('na_melding', 'afronding')),
    activity_id TEXT,            -- the id in the offer file; NULL for the team's own "ander aanbod"
    name        TEXT    NOT NULL, -- encrypted: the activity's name then, or the team's short name
    wanted      INTEGER,         -- na_melding: the reporter's answer; NULL while unanswered
    at          TEXT    NOT NULL
);
CREATE INDEX signal_offers_signal ON signal_offers (signal_id);
