package decisionlog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// sqlStore is the store over database/sql, for both dialects; they differ in
// placeholders, booleans and how JSON is kept.
type sqlStore struct {
	db          *sql.DB // reads
	writer      *sql.DB // writes: SQLite allows one writer at a time
	placeholder func(n int) string
	jsonCast    string // appended to a JSON parameter
	dialect     string

	// inserts are SQLite's multi-row INSERT statements by row count, prepared once:
	// parsing the statement again on every commit was a fifth of the log's CPU. (pgx
	// keeps its own statements by their text.)
	insertsMu sync.Mutex
	inserts   map[int]*sql.Stmt

	// file is SQLite's database file as opened: one removed or replaced while numgate
	// runs keeps taking commits through the open handle, into a file no one will read
	// again, so every commit first checks it is still the one at its path.
	file     string
	fileInfo os.FileInfo
}

// fileGone says why the SQLite file at its path is no longer the one written to.
func (s *sqlStore) fileGone() error {
	if s.file == "" {
		return nil
	}
	st, err := os.Stat(s.file)
	if err == nil && os.SameFile(st, s.fileInfo) {
		return nil
	}
	return fmt.Errorf("sqlite: the database file %s was removed or replaced while numgate ran, and what is written now would be lost; restore it and restart numgate", s.file)
}

// migrate applies, in one transaction each, the migrations not yet recorded.
func (s *sqlStore) migrate(ctx context.Context) error {
	if _, err := s.writer.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_us BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("creating schema_migrations: %w", err)
	}
	ms, err := loadMigrations(s.dialect)
	if err != nil {
		return err
	}
	for _, m := range ms {
		tx, err := s.writer.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = `+s.placeholder(1), m.version).Scan(&n); err != nil {
			_ = tx.Rollback()
			return err
		}
		if n > 0 {
			_ = tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (`+s.placeholder(1)+`, `+s.placeholder(2)+`, `+s.placeholder(3)+`)`,
			m.version, m.name, time.Now().UnixMicro()); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

const columns = `id, decided_at_us, kind, status, country, allow, policy_revision, latency_us, principal, input, result`

// rowsPerInsert bounds one multi-row INSERT (SQLite takes at most 32766 parameters).
const rowsPerInsert = 128

func (s *sqlStore) Append(ctx context.Context, records []Record) error {
	if len(records) == 0 {
		return nil
	}
	if err := s.fileGone(); err != nil {
		return err
	}
	// One statement per rowsPerInsert records: a batch costs a few statements and one
	// commit, not a statement per record.
	type insert struct {
		query string
		stmt  *sql.Stmt // prepared (SQLite); nil: executed by its text
		args  []any
	}
	var inserts []insert
	for start := 0; start < len(records); start += rowsPerInsert {
		chunk := records[start:min(start+rowsPerInsert, len(records))]
		in := insert{args: make([]any, 0, len(chunk)*11)}
		if s.dialect == "sqlite" {
			var err error
			if in.stmt, err = s.prepared(ctx, len(chunk)); err != nil {
				return err
			}
		} else {
			in.query = s.insertQuery(len(chunk))
		}
		for _, r := range chunk {
			in.args = append(in.args, r.ID, r.DecidedAt.UnixMicro(), r.Kind, r.Status, r.Country, r.Allow,
				r.PolicyRevision, r.Latency.Microseconds(), r.Principal, string(r.Input), string(r.Result))
		}
		inserts = append(inserts, in)
	}
	if len(inserts) == 1 {
		// One statement is its own transaction: all its rows or none, without the round
		// trips of BEGIN and COMMIT.
		var err error
		if in := inserts[0]; in.stmt != nil {
			_, err = in.stmt.ExecContext(ctx, in.args...)
		} else {
			_, err = s.writer.ExecContext(ctx, in.query, in.args...)
		}
		return err
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, in := range inserts {
		if in.stmt != nil {
			_, err = tx.StmtContext(ctx, in.stmt).ExecContext(ctx, in.args...)
		} else {
			_, err = tx.ExecContext(ctx, in.query, in.args...)
		}
		if err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// prepared is the insert of rows records prepared on the writer, the first time it is
// needed.
func (s *sqlStore) prepared(ctx context.Context, rows int) (*sql.Stmt, error) {
	s.insertsMu.Lock()
	defer s.insertsMu.Unlock()
	if stmt, ok := s.inserts[rows]; ok {
		return stmt, nil
	}
	stmt, err := s.writer.PrepareContext(ctx, s.insertQuery(rows))
	if err != nil {
		return nil, err
	}
	if s.inserts == nil {
		s.inserts = map[int]*sql.Stmt{}
	}
	s.inserts[rows] = stmt
	return stmt, nil
}

// insertQuery is the INSERT of rows records.
func (s *sqlStore) insertQuery(rows int) string {
	var q strings.Builder
	q.WriteString(`INSERT INTO decisions (` + columns + `) VALUES `)
	n := 0
	for i := 0; i < rows; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteByte('(')
		for j := 1; j <= 11; j++ {
			if j > 1 {
				q.WriteString(", ")
			}
			n++
			q.WriteString(s.placeholder(n))
			if j >= 10 {
				q.WriteString(s.jsonCast)
			}
		}
		q.WriteByte(')')
	}
	return q.String()
}

func (s *sqlStore) Get(ctx context.Context, id string) (Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM decisions WHERE id = `+s.placeholder(1), id)
	if err != nil {
		return Record{}, err
	}
	defer rows.Close()
	recs, err := scan(rows, false)
	if err != nil {
		return Record{}, err
	}
	if len(recs) == 0 {
		return Record{}, ErrNotFound
	}
	return recs[0], nil
}

func (s *sqlStore) List(ctx context.Context, f Filter) (Page, error) {
	var where []string
	var args []any
	add := func(cond string, vs ...any) {
		ph := make([]any, len(vs))
		for i, v := range vs {
			args = append(args, v)
			ph[i] = s.placeholder(len(args))
		}
		where = append(where, fmt.Sprintf(cond, ph...))
	}
	if f.Kind != "" {
		add("kind = %s", f.Kind)
	}
	if f.Status != "" {
		add("status = %s", f.Status)
	}
	if f.Country != "" {
		add("country = %s", f.Country)
	}
	if !f.Since.IsZero() {
		add("decided_at_us >= %s", f.Since.UnixMicro())
	}
	if !f.Until.IsZero() {
		add("decided_at_us < %s", f.Until.UnixMicro())
	}
	order, after := "DESC", "<"
	if f.Oldest {
		order, after = "ASC", ">"
	}
	if f.Cursor != "" {
		seq, id, err := parseCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		add("(seq "+after+" %s OR (seq = %s AND id "+after+" %s))", seq, seq, id)
	}
	if s.dialect == "postgres" {
		// The visibility horizon: only rows of transactions older than every transaction
		// still running, in the same statement's snapshot. A transaction that began
		// earlier and commits later would otherwise land behind a cursor already given.
		where = append(where, "seq < (SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint)")
	}
	q := `SELECT seq, ` + columns + ` FROM decisions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(` ORDER BY seq %s, id %s LIMIT %d`, order, order, f.limit())
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	recs, err := scan(rows, true)
	if err != nil {
		return Page{}, err
	}
	page := Page{Records: recs}
	switch {
	case len(recs) > 0 && (f.Oldest || len(recs) == f.limit()):
		page.Next = cursor(recs[len(recs)-1])
	case f.Oldest:
		page.Next = f.Cursor // nothing new yet: poll again from the same place
	}
	return page, nil
}

// scan reads rows of columns, preceded by seq when withSeq.
func scan(rows *sql.Rows, withSeq bool) ([]Record, error) {
	var out []Record
	for rows.Next() {
		var r Record
		var at, latency int64
		var input, result string
		dst := []any{&r.ID, &at, &r.Kind, &r.Status, &r.Country, &r.Allow, &r.PolicyRevision, &latency, &r.Principal, &input, &result}
		if withSeq {
			dst = append([]any{&r.seq}, dst...)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		r.DecidedAt = time.UnixMicro(at).UTC()
		r.Latency = time.Duration(latency) * time.Microsecond
		r.LatencyMicros = latency
		r.Input, r.Result = []byte(input), []byte(result)
		out = append(out, r)
	}
	return out, rows.Err()
}

// retentionLock is the PostgreSQL advisory lock a purge holds for its transaction: one
// instance purges while the others, finding it taken, skip their turn.
const retentionLock = 727371

func (s *sqlStore) Purge(ctx context.Context, r Retention) (Purged, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return Purged{}, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if s.dialect == "postgres" {
		var locked bool
		if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(`+strconv.Itoa(retentionLock)+`)`).Scan(&locked); err != nil {
			return Purged{}, fmt.Errorf("retention lock: %w", err)
		}
		if !locked {
			return Purged{}, nil // another instance is purging now
		}
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT last_purge_us FROM retention WHERE id = 1`).Scan(&last); err != nil {
		return Purged{}, fmt.Errorf("reading the last purge: %w", err)
	}
	// A tenth of the interval's slack: instances' timers and clocks drift a little, and a
	// purge due now should not wait a whole further interval.
	if last > 0 && r.Now.Sub(time.UnixMicro(last)) < r.Every-r.Every/10 {
		return Purged{}, nil
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM decisions WHERE decided_at_us < `+s.placeholder(1), r.Before.UnixMicro())
	if err != nil {
		return Purged{}, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Purged{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE retention SET last_purge_us = `+s.placeholder(1)+` WHERE id = 1`, r.Now.UnixMicro()); err != nil {
		return Purged{}, err
	}
	if err := tx.Commit(); err != nil {
		return Purged{}, err
	}
	return Purged{Ran: true, Records: n}, nil
}

func (s *sqlStore) Ping(ctx context.Context) error {
	if err := s.fileGone(); err != nil {
		return err
	}
	// A write path check: reading alone would not notice a full disk or a read-only
	// database.
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_migrations SET applied_at_us = applied_at_us WHERE version = 0`); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (s *sqlStore) Close() error {
	s.insertsMu.Lock()
	var errs []error
	for _, stmt := range s.inserts {
		errs = append(errs, stmt.Close())
	}
	s.inserts = nil
	s.insertsMu.Unlock()
	if s.writer == s.db {
		return errors.Join(append(errs, s.db.Close())...)
	}
	return errors.Join(append(errs, s.writer.Close(), s.db.Close())...)
}
