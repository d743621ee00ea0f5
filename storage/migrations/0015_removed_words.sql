-- A reporter who asks to be removed (/verwijderen, person forget) takes their own words with
-- them: the text of their answers to the team and of their check-in remarks goes, the event
-- stays in the signal's history marked with the moment it was removed.
ALTER TABLE signal_events ADD COLUMN removed_at TEXT;
