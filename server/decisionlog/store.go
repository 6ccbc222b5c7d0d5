// Package decisionlog keeps every decision numgate makes, with personal data masked,
// durably: a decision is committed before its answer is sent. Concurrent decisions are
// written in one transaction (group commit), so durability costs one fsync per batch,
// not per request. SQLite is embedded (the default, nothing to install); PostgreSQL lets
// several instances write one log.
package decisionlog

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Record is one logged decision.
type Record struct {
	ID             string          `json:"decision_id"`
	DecidedAt      time.Time       `json:"decided_at"`
	Kind           string          `json:"kind"`
	Status         string          `json:"status"`
	Country        string          `json:"country,omitempty"`
	Allow          bool            `json:"allow"`
	PolicyRevision string          `json:"policy_revision"`
	Latency        time.Duration   `json:"-"`
	LatencyMicros  int64           `json:"latency_us"`
	Principal      string          `json:"principal,omitempty"`
	Input          json.RawMessage `json:"input"`  // masked
	Result         json.RawMessage `json:"result"` // masked
}

// Filter selects records, newest first, a page at a time.
type Filter struct {
	Kind, Status, Country string
	Since, Until          time.Time // Until is exclusive; zero: unbounded
	Limit                 int       // 1..1000
	Before                string    // cursor: the last id of the previous page
}

// ErrNotFound: no record has that id.
var ErrNotFound = errors.New("decision not found")

// Store is where records live. Append must be durable when it returns: all of a batch
// or none.
type Store interface {
	Append(ctx context.Context, records []Record) error
	Get(ctx context.Context, id string) (Record, error)
	List(ctx context.Context, f Filter) ([]Record, error)
	Purge(ctx context.Context, before time.Time) (int64, error)
	Ping(ctx context.Context) error
	Close() error
}

// Open opens the store a DSN names: "sqlite:PATH" or "postgres://...". Migrations run.
func Open(ctx context.Context, dsn string) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	}
	return nil, fmt.Errorf("decision log %q: expected sqlite:PATH or postgres://user:password@host/db", dsn)
}

//go:embed migrations
var migrations embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations(dialect string) ([]migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		var v int
		if _, err := fmt.Sscanf(e.Name(), "%04d_", &v); err != nil {
			return nil, fmt.Errorf("migration %s: the name must start with a 4-digit version", e.Name())
		}
		b, err := fs.ReadFile(migrations, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

func (f Filter) limit() int {
	switch {
	case f.Limit <= 0:
		return 100
	case f.Limit > 1000:
		return 1000
	}
	return f.Limit
}
