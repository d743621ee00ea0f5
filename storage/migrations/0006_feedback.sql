-- Client-experience logs by council members: no client is identified; open answers encrypted.
CREATE TABLE feedback (
    id           INTEGER PRIMARY KEY,
    team         TEXT    NOT NULL,
    quarter      TEXT    NOT NULL,   -- like 2026Q4
    month        TEXT    NOT NULL,   -- like 2026-11
    contact_kind TEXT    NOT NULL CHECK (contact_kind IN ('gesprek', 'telefoon', 'huisbezoek')),
    answers      TEXT    NOT NULL,   -- JSON: statement number -> answer id
    went_well    TEXT,
    could_be_better TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX feedback_team_quarter ON feedback (team, quarter);
