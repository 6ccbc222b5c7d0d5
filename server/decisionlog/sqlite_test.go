package decisionlog_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/numgate/numgate/server/decisionlog"
	"github.com/numgate/numgate/server/decisionlog/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T) decisionlog.Store {
		s, err := decisionlog.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "decisions.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestSQLiteReopen: migrations run once; a reopened file keeps its records.
func TestSQLiteReopen(t *testing.T) {
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sub", "decisions.db")
	s, err := decisionlog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	r := decisionlog.Record{ID: "01900000-0000-7000-8000-000000000001", Kind: "activation", Status: "active", Input: []byte(`{}`), Result: []byte(`{}`)}
	if err := s.Append(ctx, []decisionlog.Record{r}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s, err = decisionlog.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Get(ctx, r.ID); err != nil {
		t.Errorf("after reopening: %v", err)
	}
}

// TestSQLiteFileRemovedWhileOpen: a database file deleted (or replaced) under a running
// numgate would take commits into a file no one reads again; the store refuses them, and
// its ping fails, so decisions fail closed (found by an operator review).
func TestSQLiteFileRemovedWhileOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "log")
	s, err := decisionlog.Open(ctx, "sqlite:"+filepath.Join(dir, "decisions.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := decisionlog.Record{ID: "01900000-0000-7000-8000-000000000002", Kind: "activation", Status: "active", Input: []byte(`{}`), Result: []byte(`{}`)}
	if err := s.Append(ctx, []decisionlog.Record{r}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	r.ID = "01900000-0000-7000-8000-000000000003"
	if err := s.Append(ctx, []decisionlog.Record{r}); err == nil || !strings.Contains(err.Error(), "removed or replaced") {
		t.Errorf("an append into a removed file: %v", err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("the ping of a removed file succeeded")
	}
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	if _, err := decisionlog.Open(context.Background(), "mysql://x"); err == nil {
		t.Error("mysql:// accepted")
	}
}

// TestSQLiteMigratesAnExistingLog: a log written before commit order existed (migration
// 0001 only) keeps its records through 0002, in id order, and new records follow them.
func TestSQLiteMigratesAnExistingLog(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "decisions.db")
	old, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile("migrations/sqlite/0001_decisions.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_us BIGINT NOT NULL)`,
		string(first),
		`INSERT INTO schema_migrations VALUES (1, '0001_decisions.sql', 0)`,
		`INSERT INTO decisions VALUES ('01900000-0000-7000-8000-000000000002', 2, 'activation', 'active', 'DE', 1, 'r', 1, 'p', '{}', '{}')`,
		`INSERT INTO decisions VALUES ('01900000-0000-7000-8000-000000000001', 1, 'activation', 'active', 'DE', 1, 'r', 1, 'p', '{}', '{}')`,
	} {
		if _, err := old.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_ = old.Close()
	s, err := decisionlog.Open(ctx, "sqlite:"+file)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Append(ctx, []decisionlog.Record{{ID: "01900000-0000-7000-8000-000000000000", Kind: "activation", Status: "active", Input: []byte(`{}`), Result: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
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

// TestSQLiteOptions: sqlite:PATH takes one option, synchronous=full|normal (any case),
// and refuses anything else.
func TestSQLiteOptions(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		dsn string
		ok  bool
	}{
		{"sqlite:" + filepath.Join(dir, "a.db"), true},
		{"sqlite:" + filepath.Join(dir, "b.db") + "?synchronous=full", true},
		{"sqlite:" + filepath.Join(dir, "c.db") + "?synchronous=NORMAL", true},
		{"sqlite:" + filepath.Join(dir, "d.db") + "?synchronous=off", false},
		{"sqlite:" + filepath.Join(dir, "e.db") + "?journal_mode=delete", false},
		{"sqlite:" + filepath.Join(dir, "f.db") + "?synchronous=full&synchronous=normal", false},
		{"sqlite:?synchronous=full", false},
	} {
		s, err := decisionlog.Open(context.Background(), tc.dsn)
		if err == nil {
			s.Close()
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want accepted %v", tc.dsn, err, tc.ok)
		}
	}
}
