package decisionlog_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/numgate/numgate/server/decisionlog"
	"github.com/numgate/numgate/server/decisionlog/storetest"
)

func TestPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	storetest.RunAll(t, func(t *testing.T) decisionlog.Store {
		s, err := decisionlog.Open(context.Background(), storetest.FreshDatabase(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestPostgresSharedByInstances: two instances open one database at once (the
// migrations run once) and both write to it.
func TestPostgresSharedByInstances(t *testing.T) {
	dsn := storetest.FreshDatabase(t, storetest.PostgresDSN(t))
	ctx := context.Background()
	stores := make([]decisionlog.Store, 2)
	errs := make(chan error, 2)
	for i := range stores {
		go func(i int) {
			var err error
			stores[i], err = decisionlog.Open(ctx, dsn)
			errs <- err
		}(i)
	}
	for range stores {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range stores {
		defer s.Close()
		r := decisionlog.Record{ID: fmt.Sprintf("01900000-0000-7000-8000-00000000000%d", i), Kind: "activation", Status: "active", Input: []byte(`{}`), Result: []byte(`{}`)}
		if err := s.Append(ctx, []decisionlog.Record{r}); err != nil {
			t.Fatal(err)
		}
	}
	storetest.WaitListed(t, stores[0], "01900000-0000-7000-8000-000000000000", "01900000-0000-7000-8000-000000000001")
	all, err := stores[0].List(ctx, decisionlog.Filter{})
	if err != nil || len(all.Records) != 2 {
		t.Errorf("%d records, %v; want both instances' records", len(all.Records), err)
	}
}

// TestPostgresLateCommitNotSkipped: replica A's transaction is open with a record while
// replica B commits one decided later. A follower polling between the two must not get
// past A's record: B's stays hidden until A ends, then both come, in commit order. (By id
// order, the follower would take B, move its cursor past A's id and never see A's.)
func TestPostgresLateCommitNotSkipped(t *testing.T) {
	dsn := storetest.FreshDatabase(t, storetest.PostgresDSN(t))
	ctx := context.Background()
	s, err := decisionlog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	settled := pgRecord(t, "01900000-0000-7000-8000-000000000001")
	storetest.AppendListed(t, s, []decisionlog.Record{settled})
	first, err := s.List(ctx, decisionlog.Filter{Oldest: true})
	if err != nil || len(first.Records) != 1 {
		t.Fatalf("first poll: %+v %v", first.Records, err)
	}

	// Replica A: a record in a transaction that stays open.
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	txA, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback() //nolint:errcheck
	late := "01900000-0000-7000-8000-000000000002"
	if _, err := txA.ExecContext(ctx, `INSERT INTO decisions (id, decided_at_us, kind, status, country, allow, policy_revision, latency_us, principal, input, result)
		VALUES ($1, 0, 'activation', 'active', 'DE', true, 'r', 1, 'a', '{}', '{}')`, late); err != nil {
		t.Fatal(err)
	}
	// Replica B commits a record decided after A's.
	if err := s.Append(ctx, []decisionlog.Record{pgRecord(t, "01900000-0000-7000-8000-000000000003")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "01900000-0000-7000-8000-000000000003"); err != nil {
		t.Fatalf("B's record is committed and readable by id: %v", err)
	}
	mid, err := s.List(ctx, decisionlog.Filter{Oldest: true, Cursor: first.Next})
	if err != nil || len(mid.Records) != 0 || mid.Next != first.Next {
		t.Fatalf("while A is open the follower got %d records (next moved %v): %v; want none", len(mid.Records), mid.Next != first.Next, err)
	}
	newest, err := s.List(ctx, decisionlog.Filter{})
	if err != nil || len(newest.Records) != 1 || newest.Records[0].ID != settled.ID {
		t.Fatalf("newest first while A is open: %+v %v; want only the settled record", newest.Records, err)
	}
	if err := txA.Commit(); err != nil {
		t.Fatal(err)
	}
	// Both are final now (another test's transaction on the server can hold them back a
	// moment: wait for them, from the same cursor).
	storetest.WaitListed(t, s, late, "01900000-0000-7000-8000-000000000003")
	last, err := s.List(ctx, decisionlog.Filter{Oldest: true, Cursor: mid.Next})
	if err != nil || len(last.Records) != 2 || last.Records[0].ID != late || last.Records[1].ID != "01900000-0000-7000-8000-000000000003" {
		t.Errorf("after A committed: %+v %v; want A's record then B's", last.Records, err)
	}
}

// TestPostgresPurgeOnceAcrossInstances: five instances sharing one database purge at the
// same moment; one runs, the others find the lock taken or the purge done. While a purge
// holds the lock, nobody else purges, however old the last purge.
func TestPostgresPurgeOnceAcrossInstances(t *testing.T) {
	dsn := storetest.FreshDatabase(t, storetest.PostgresDSN(t))
	ctx := context.Background()
	stores := make([]decisionlog.Store, 5)
	for i := range stores {
		var err error
		if stores[i], err = decisionlog.Open(ctx, dsn); err != nil {
			t.Fatal(err)
		}
		defer stores[i].Close()
	}
	r := decisionlog.Retention{Now: time.Now(), Before: time.Now().Add(-time.Hour), Every: time.Hour}
	ran := make(chan bool, len(stores))
	for _, s := range stores {
		go func(s decisionlog.Store) {
			p, err := s.Purge(ctx, r)
			if err != nil {
				t.Error(err)
			}
			ran <- p.Ran
		}(s)
	}
	n := 0
	for range stores {
		if <-ran {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d instances purged at once, want 1", n)
	}

	// Another instance in the middle of a purge holds the lock: a purge now skips.
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(727371)`); err != nil {
		t.Fatal(err)
	}
	later := decisionlog.Retention{Now: r.Now.Add(2 * time.Hour), Before: r.Before, Every: time.Hour}
	if p, err := stores[0].Purge(ctx, later); err != nil || p.Ran {
		t.Errorf("while another holds the lock: ran %v, %v", p.Ran, err)
	}
	_ = tx.Rollback()
	if p, err := stores[0].Purge(ctx, later); err != nil || !p.Ran {
		t.Errorf("once the lock is free: ran %v, %v", p.Ran, err)
	}
}

func pgRecord(t *testing.T, id string) decisionlog.Record {
	t.Helper()
	return decisionlog.Record{ID: id, Kind: "activation", Status: "active", Input: []byte(`{}`), Result: []byte(`{}`)}
}

// TestPostgresMigratesAnExistingLog: a log written before commit order existed (migration
// 0001 only) keeps its records through 0002, in id order, and new records follow them.
func TestPostgresMigratesAnExistingLog(t *testing.T) {
	dsn := storetest.FreshDatabase(t, storetest.PostgresDSN(t))
	ctx := context.Background()
	old, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile("migrations/postgres/0001_decisions.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_us BIGINT NOT NULL)`,
		string(first),
		`INSERT INTO schema_migrations VALUES (1, '0001_decisions.sql', 0)`,
		`INSERT INTO decisions VALUES ('01900000-0000-7000-8000-000000000002', 2, 'activation', 'active', 'DE', true, 'r', 1, 'p', '{}', '{}')`,
		`INSERT INTO decisions VALUES ('01900000-0000-7000-8000-000000000001', 1, 'activation', 'active', 'DE', true, 'r', 1, 'p', '{}', '{}')`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_ = old.Close()
	s, err := decisionlog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.AppendListed(t, s, []decisionlog.Record{pgRecord(t, "01900000-0000-7000-8000-000000000000")})
	page, err := s.List(ctx, decisionlog.Filter{Oldest: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range page.Records {
		got = append(got, r.ID[len(r.ID)-1:])
	}
	if strings.Join(got, ",") != "1,2,0" {
		t.Errorf("order after migrating: %v, want the old records by id (1, 2), then the new one (0)", got)
	}
}
