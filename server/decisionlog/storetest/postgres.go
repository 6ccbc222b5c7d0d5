package storetest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql, registered as "pgx"
)

// PostgresDSN is the server the PostgreSQL tests use, from NUMGATE_TEST_POSTGRES_DSN;
// .ci/run starts one on loopback. Without it the test skips, except under CI=true, where
// a missing server is a failure.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("NUMGATE_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but NUMGATE_TEST_POSTGRES_DSN is not set: .ci/run must start PostgreSQL")
		}
		t.Skip("NUMGATE_TEST_POSTGRES_DSN not set")
	}
	return dsn
}

// FreshDatabase makes an empty database on dsn's server for one test, drops it when the
// test ends, and returns its DSN.
func FreshDatabase(t testing.TB, dsn string) string {
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
	return WithDatabase(dsn, name)
}

// WithDatabase points a postgres:// DSN at another database on the same server.
func WithDatabase(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Path = "/" + name
	return u.String()
}

// WithHost points a postgres:// DSN at another host:port (a proxy in front of the
// server, say).
func WithHost(dsn, hostport string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.Host = hostport
	return u.String()
}
