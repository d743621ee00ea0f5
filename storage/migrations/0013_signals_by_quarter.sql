-- The wijkbeeld reads a team's signals of a few quarters by the time they were made: through
-- this index it finds them without reading the team's whole history.
CREATE INDEX signals_team_created ON signals (team, created_at);
