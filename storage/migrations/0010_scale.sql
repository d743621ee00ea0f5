-- Years of data without slowing down: every lookup the code does has an index, retention
-- selects only what is due, and the tables that only ever grew are cleaned up.

-- When a signal was closed (NULL while it is not), and when its contact details were
-- anonymised: retention finds what is due through the two partial indexes below instead of
-- reading every signal's events.
ALTER TABLE signals ADD COLUMN closed_at TEXT;
ALTER TABLE signals ADD COLUMN anonymised_at TEXT;
UPDATE signals SET closed_at = (
    SELECT max(e.at) FROM signal_events e WHERE e.signal_id = signals.id AND e.to_status = 'afgerond'
) WHERE status = 'afgerond';
UPDATE signals SET closed_at = created_at WHERE status = 'afgerond' AND closed_at IS NULL;
CREATE INDEX signals_closed ON signals (closed_at) WHERE status = 'afgerond';
CREATE INDEX signals_to_anonymise ON signals (closed_at)
    WHERE status = 'afgerond' AND anonymised_at IS NULL;

-- The open signals of a team (the queue, the digest) without reading its history. The WHERE
-- term is written exactly so in storage/_signals.py (OPEN_WHERE), or the index is not used.
CREATE INDEX signals_open ON signals (team, id) WHERE status != 'afgerond' OR attention IS NOT NULL;
-- Replaced by the two above: a search by team alone read the team's whole history.
DROP INDEX signals_team_status;
CREATE INDEX signals_open_all ON signals (id) WHERE status != 'afgerond' OR attention IS NOT NULL;

-- Forgetting or deleting a signal finds its check-ins; the digest finds withdrawals by time.
CREATE INDEX checkins_signal ON checkins (signal_id);
CREATE INDEX signal_events_rights ON signal_events (at)
    WHERE kind LIKE 'ingetrokken:%' OR kind = 'melder-verwijderd';

-- A team's members; the people with a role (members list).
CREATE INDEX memberships_team ON memberships (team, role);
CREATE INDEX people_with_role ON people (id) WHERE role != 'bewoner' OR revoked_at IS NOT NULL;

-- Conversations: the sweep finds unfinished ones by time, retention the ended ones.
CREATE INDEX conversations_running ON conversations (updated_at) WHERE flow IS NOT NULL;
CREATE INDEX conversations_ended ON conversations (updated_at) WHERE flow IS NULL;

-- The outbox keeps only what waits: a message leaves it when it is handed on to be sent.
DELETE FROM outbox WHERE sent_at IS NOT NULL;
CREATE INDEX outbox_waiting ON outbox (id) WHERE sent_at IS NULL;

-- Updates set aside (unreadable or failed) are kept a while for the log, then go.
CREATE INDEX inbox_received ON inbox (received_at) WHERE state != 'nieuw';

-- Wrong invite codes are counted for a day, then go.
CREATE INDEX code_attempts_at ON code_attempts (at);
