CREATE TABLE decisions (
    id              TEXT PRIMARY KEY,       -- UUIDv7: ordering by id is ordering by time
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
CREATE INDEX decisions_decided_at ON decisions (decided_at_us);
CREATE INDEX decisions_kind_status ON decisions (kind, status, id);
CREATE INDEX decisions_country ON decisions (country, id);
