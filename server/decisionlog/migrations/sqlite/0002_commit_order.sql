-- Commit order, for paging that never skips a record committed late (see the PostgreSQL
-- migration). SQLite has one writer at a time, so a counter assigned inside the write
-- transaction is commit order; AUTOINCREMENT never reuses a value, even after retention
-- empties the table, so an old cursor stays below every new record.
CREATE TABLE decisions_ordered (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,   -- UUIDv7
    decided_at_us   INTEGER NOT NULL,       -- Unix microseconds
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    country         TEXT NOT NULL,
    allow           INTEGER NOT NULL,
    policy_revision TEXT NOT NULL,
    latency_us      INTEGER NOT NULL,
    principal       TEXT NOT NULL,
    input           TEXT NOT NULL,          -- the request, masked
    result          TEXT NOT NULL
);
INSERT INTO decisions_ordered (id, decided_at_us, kind, status, country, allow, policy_revision, latency_us, principal, input, result)
    SELECT id, decided_at_us, kind, status, country, allow, policy_revision, latency_us, principal, input, result FROM decisions ORDER BY id;
DROP TABLE decisions;
ALTER TABLE decisions_ordered RENAME TO decisions;
CREATE INDEX decisions_decided_at ON decisions (decided_at_us);
CREATE INDEX decisions_kind_status ON decisions (kind, status, seq);
CREATE INDEX decisions_country ON decisions (country, seq);

CREATE TABLE retention (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_purge_us INTEGER NOT NULL          -- Unix microseconds of the last purge; 0 for none
);
INSERT INTO retention (id, last_purge_us) VALUES (1, 0);
