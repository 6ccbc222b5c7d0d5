package main

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql, registered as "pgx"
)

// The default configuration's cost: numgate as `make run` starts it (the SQLite
// decision log on, its default commit delay, file watching, the info log, the default
// evaluation slots and shadow rate) at 1, 8 and 64 clients, next to the same server with
// the log off, on PostgreSQL when a DSN is given, and the no-op server, all in
// interleaved rounds so that the shared machine's drift falls on every server alike.

// defaultRatio is one comparison of the default-configuration table.
type defaultRatio struct {
	Input       string  `json:"input"`
	Concurrency int     `json:"concurrency"`
	OfLogOff    float64 `json:"default_over_log_off"`
	LogOffNoop  float64 `json:"log_off_over_noop"`
	PostgresOff float64 `json:"postgres_over_log_off,omitempty"`
}

func defaultConfigCost(cfg config, noop string, loads []workload) ([]loadRow, []defaultRatio, float64, error) {
	if cfg.logRounds < 1 {
		return nil, nil, 0, nil
	}
	dir, err := os.MkdirTemp("", "numgate-bench-log")
	if err != nil {
		return nil, nil, 0, err
	}
	defer os.RemoveAll(dir)
	stores := []struct{ name, dsn string }{{"default", "sqlite:" + filepath.Join(dir, "decisions.db")}, {"default-log-off", "off"}}
	if cfg.postgres != "" {
		dsn, drop, err := freshDatabase(cfg.postgres)
		if err != nil {
			return nil, nil, 0, err
		}
		defer drop()
		stores = append(stores, struct{ name, dsn string }{"default-postgres", dsn})
	}
	servers := map[string]server{}
	for _, st := range stores {
		ng, stop, err := startServe(cfg.numgate, cfg.repo, "--decision-log", st.dsn)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("numgate with the %s log: %w", st.name, err)
		}
		defer stop()
		servers[st.name] = ng
	}
	var rows []loadRow
	var ratios []defaultRatio
	for _, c := range cfg.defaultConcurrency {
		for _, w := range loads {
			targets := []target{{name: "no-op", input: w.name, calls: noopCalls(noop, w)}}
			for _, st := range stores {
				targets = append(targets, target{name: st.name, input: w.name, calls: numgateCalls(servers[st.name].url, w), pid: servers[st.name].pid})
			}
			runs := map[string][]loadRow{}
			for r := 0; r < cfg.logRounds; r++ {
				for _, t := range targets {
					runs[t.name] = append(runs[t.name], drive(t, c, cfg.duration))
				}
			}
			got := map[string]float64{}
			for _, t := range targets {
				row := medianRow(runs[t.name])
				rows = append(rows, row)
				got[t.name] = row.PerSecond
			}
			ratio := defaultRatio{Input: w.name, Concurrency: c, OfLogOff: got["default"] / got["default-log-off"], LogOffNoop: got["default-log-off"] / got["no-op"]}
			if pg, ok := got["default-postgres"]; ok {
				ratio.PostgresOff = pg / got["default-log-off"]
			}
			ratios = append(ratios, ratio)
		}
	}
	return rows, ratios, rssMiB(servers["default"].pid), nil
}

// freshDatabase creates an empty database beside the DSN's, as the SQLite log starts in
// an empty file: a table that earlier runs filled makes every insert dearer (bigger
// indexes, more checkpoint work), and the benchmark must not leave its rows in the
// user's database. drop removes it.
func freshDatabase(dsn string) (string, func(), error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	defer admin.Close()
	name := fmt.Sprintf("numgate_bench_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", nil, fmt.Errorf("creating a database for the benchmark (the DSN's user needs CREATEDB): %w", err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("the PostgreSQL DSN must be a URL (postgres://user:pass@host/db): %w", err)
	}
	u.Path = "/" + name
	drop := func() {
		if a, err := sql.Open("pgx", dsn); err == nil {
			_, _ = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			_ = a.Close()
		}
	}
	return u.String(), drop, nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
