-- Settings of the database itself, such as the check value of the encryption key.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
