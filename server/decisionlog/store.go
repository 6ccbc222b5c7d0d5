// Package decisionlog keeps every decision numgate makes, with personal data masked,
// durably: a decision is committed before its answer is sent. Concurrent decisions are
// written in one transaction (group commit), so a commit's cost is paid once per batch,
// not per request. SQLite is embedded (the default, nothing to install; how far a commit
// is durable is its synchronous option, see openSQLite); PostgreSQL lets several
// instances write one log.
package decisionlog

import (
	"context"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
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

	seq int64 // its place in commit order, with ID (see List)
}

// Filter selects records in commit order, a page at a time.
type Filter struct {
	Kind, Status, Country string
	Since, Until          time.Time // Until is exclusive; zero: unbounded
	Limit                 int       // 1..1000
	Cursor                string    // a Page's Next: go on from there
	Oldest                bool      // oldest first, to follow the log; newest first otherwise
}

// Page is one answer of List.
type Page struct {
	Records []Record
	// Next goes on from the last record: to older ones (newest first; "" once the oldest
	// has been given), or to those committed since (oldest first; set whenever there is a
	// position, so a follower polls with it and gets what was committed after).
	Next string
}

// Retention asks for one purge: records decided before Before go, unless a purge of this
// store began, by any instance sharing it, less than Every before Now.
type Retention struct {
	Now, Before time.Time
	Every       time.Duration
}

// Purged is what a Purge did: Ran false when another instance was purging or had purged
// within the interval.
type Purged struct {
	Ran     bool
	Records int64
}

// ErrNotFound: no record has that id.
var ErrNotFound = errors.New("decision not found")

// ErrBadCursor: a cursor that no List gave.
var ErrBadCursor = errors.New("not a decision-log cursor")

// Store is where records live. Append must be committed when it returns, durable as the
// store is configured to make it (at least against the process dying): all of a batch
// or none. List pages in commit order, and never skips a record that commits after a
// page was read: a record is listed only once every record that can precede it in commit
// order is final (see the migrations), so a cursor cannot be overtaken. Purge runs at
// most once per Retention.Every across the instances sharing a store.
type Store interface {
	Append(ctx context.Context, records []Record) error
	Get(ctx context.Context, id string) (Record, error)
	List(ctx context.Context, f Filter) (Page, error)
	Purge(ctx context.Context, r Retention) (Purged, error)
	Ping(ctx context.Context) error
	Close() error
}

// cursor names a record's place in commit order; opaque to clients.
func cursor(r Record) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(r.seq, 10) + ":" + r.ID))
}

var cursorID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func parseCursor(c string) (seq int64, id string, err error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", ErrBadCursor
	}
	n, id, ok := strings.Cut(string(raw), ":")
	if !ok || !cursorID.MatchString(id) {
		return 0, "", ErrBadCursor
	}
	if seq, err = strconv.ParseInt(n, 10, 64); err != nil || seq < 0 {
		return 0, "", ErrBadCursor
	}
	return seq, id, nil
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
