package decisionlog_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/numgate/numgate/server/decisionlog"
	"github.com/numgate/numgate/server/decisionlog/storetest"
)

// postgresDSN is the server the PostgreSQL tests use; .ci/run starts one on loopback.
// Without it the tests skip, except under CI=true, where a missing server is a failure.
func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("NUMGATE_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but NUMGATE_TEST_POSTGRES_DSN is not set: .ci/run must start PostgreSQL")
		}
		t.Skip("NUMGATE_TEST_POSTGRES_DSN not set")
	}
	return dsn
}

// freshDatabase makes an empty database for one test and drops it after.
func freshDatabase(t *testing.T, dsn string) string {
	t.Helper()
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("numgate_test_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("creating a test database (the DSN's user needs CREATEDB): %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", dsn)
		if err == nil {
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			_ = a.Close()
		}
	})
	return withDatabase(dsn, name)
}

func TestPostgres(t *testing.T) {
	dsn := postgresDSN(t)
	storetest.RunAll(t, func(t *testing.T) decisionlog.Store {
		s, err := decisionlog.Open(context.Background(), freshDatabase(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestPostgresSharedByInstances: two instances open one database at once (the
// migrations run once) and both write to it.
func TestPostgresSharedByInstances(t *testing.T) {
	dsn := freshDatabase(t, postgresDSN(t))
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
	all, err := stores[0].List(ctx, decisionlog.Filter{})
	if err != nil || len(all) != 2 {
		t.Errorf("%d records, %v; want both instances' records", len(all), err)
	}
}
