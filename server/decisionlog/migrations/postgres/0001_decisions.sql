CREATE TABLE decisions (
    id              TEXT PRIMARY KEY,       -- UUIDv7: ordering by id is ordering by time
    decided_at_us   BIGINT NOT NULL,        -- Unix microseconds
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    country         TEXT NOT NULL,
    allow           BOOLEAN NOT NULL,
    policy_revision TEXT NOT NULL,
    latency_us      BIGINT NOT NULL,
    principal       TEXT NOT NULL,
    input           JSONB NOT NULL,         -- the request, masked
    result          JSONB NOT NULL
);
CREATE INDEX decisions_decided_at ON decisions (decided_at_us);
CREATE INDEX decisions_kind_status ON decisions (kind, status, id);
CREATE INDEX decisions_country ON decisions (country, id);
