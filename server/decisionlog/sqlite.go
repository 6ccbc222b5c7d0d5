package decisionlog

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"
)

// openSQLite opens (creating) a database file in WAL mode, sqlite:PATH[?synchronous=MODE].
// With synchronous=normal (the default) a commit is written to the operating system
// before the caller is answered and fsynced at checkpoints: it survives the process being
// killed (SIGKILL, the OOM killer, a panic), but the commits since the last checkpoint
// may be lost to a power loss or a kernel crash. With synchronous=full every commit is
// fsynced, and survives those too, at about twice the log's CPU per record and a
// millisecond more per decision (an fsync on this machine's disk).
func openSQLite(ctx context.Context, dsn string) (Store, error) {
	file, sync, err := sqliteOptions(dsn)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(" + sync + ")", "busy_timeout(5000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	conn := "file:" + file + "?" + q.Encode()
	writer, err := sql.Open("sqlite", conn)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", conn)
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
	if s.fileInfo, err = os.Stat(file); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlite %s: %w", file, err)
	}
	s.file = file
	return s, nil
}

// sqliteOptions reads PATH[?synchronous=full|normal].
func sqliteOptions(dsn string) (file, sync string, err error) {
	file, query, _ := strings.Cut(dsn, "?")
	if file == "" {
		return "", "", fmt.Errorf("sqlite: no file; expected sqlite:PATH")
	}
	opts, err := url.ParseQuery(query)
	if err != nil {
		return "", "", fmt.Errorf("sqlite:%s: %w", dsn, err)
	}
	sync = "NORMAL"
	for k, vs := range opts {
		switch {
		case k != "synchronous":
			return "", "", fmt.Errorf("sqlite:%s: unknown option %q; the one option is synchronous=full|normal", dsn, k)
		case len(vs) != 1 || (strings.ToLower(vs[0]) != "full" && strings.ToLower(vs[0]) != "normal"):
			return "", "", fmt.Errorf("sqlite:%s: synchronous must be full or normal", dsn)
		}
		sync = strings.ToUpper(vs[0])
	}
	return file, sync, nil
}
