package decisionlog

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// openSQLite opens (creating) a database file in WAL mode with full synchronous
// commits: a committed transaction survives a crash of the process or the machine.
func openSQLite(ctx context.Context, file string) (Store, error) {
	if file == "" {
		return nil, fmt.Errorf("sqlite: no file; expected sqlite:PATH")
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(5000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + file + "?" + q.Encode()
	writer, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", dsn)
	if err != nil {
		_ = writer.Close()
		return nil, err
	}
	reader.SetMaxOpenConns(4)
	s := &sqlStore{db: reader, writer: writer, dialect: "sqlite", placeholder: func(int) string { return "?" }}
	if err := s.migrate(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlite %s: %w", file, err)
	}
	return s, nil
}
