-- Commit order, for paging that never skips a record committed late. A record's id is a
-- UUIDv7 stamped by the replica that decided, before its commit: across replicas (clock
-- skew, commit delay, a slow transaction) ids do not arrive in order. seq is the writing
-- transaction's id: every transaction below pg_snapshot_xmin(pg_current_snapshot()) has
-- ended, so rows with seq under that horizon are final, and a cursor (seq, id) below it
-- can never be overtaken by a record that commits later.
ALTER TABLE decisions ADD COLUMN seq BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX decisions_commit_order ON decisions (seq, id);
-- The filtered lists page in the same order.
DROP INDEX decisions_kind_status;
DROP INDEX decisions_country;
CREATE INDEX decisions_kind_status ON decisions (kind, status, seq, id);
CREATE INDEX decisions_country ON decisions (country, seq, id);

-- Retention runs once per interval across every instance sharing the database: the one
-- that takes the advisory lock first purges and records when.
CREATE TABLE retention (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_purge_us BIGINT NOT NULL           -- Unix microseconds of the last purge; 0 for none
);
INSERT INTO retention (id, last_purge_us) VALUES (1, 0);
