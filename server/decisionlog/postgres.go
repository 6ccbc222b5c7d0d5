package decisionlog

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql, registered as "pgx"
)

// openPostgres connects to a PostgreSQL database that several numgate instances may
// share; every instance runs the migrations, which are idempotent.
func openPostgres(ctx context.Context, dsn string) (Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	s := &sqlStore{db: db, writer: db, dialect: "postgres", jsonCast: "::jsonb",
		placeholder: func(n int) string { return "$" + strconv.Itoa(n) }}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// Instances starting together must not run a migration twice: a session lock, held
	// on one connection while the migrations run.
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727370)`); err != nil {
		_ = db.Close()
		return nil, err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727370)`)
	if err := s.migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return s, nil
}
