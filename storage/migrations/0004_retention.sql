-- Every retention run: when, and how many of what it anonymised or deleted.
CREATE TABLE purge_runs (
    id            INTEGER PRIMARY KEY,
    at            TEXT    NOT NULL,
    anonymised    INTEGER NOT NULL,
    deleted       INTEGER NOT NULL,
    conversations INTEGER NOT NULL
);
