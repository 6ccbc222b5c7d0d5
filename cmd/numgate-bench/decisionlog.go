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

// logRow is the decision log's cost: activation throughput with the log off, on SQLite
// and on PostgreSQL, measured in interleaved rounds so that the shared machine's drift
// falls on every store alike.
type logRow struct {
	Store       string    `json:"store"`
	Concurrency int       `json:"concurrency"`
	Rounds      []float64 `json:"rounds_per_second"`
	Median      float64   `json:"median_per_second"`
	OfOff       float64   `json:"of_log_off"`
}

func decisionLogCost(cfg config, body []byte) ([]logRow, error) {
	if cfg.logRounds < 1 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "numgate-bench-log")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	stores := []struct{ name, dsn string }{{"off", "off"}, {"sqlite", "sqlite:" + filepath.Join(dir, "decisions.db")}}
	if cfg.postgres != "" {
		dsn, drop, err := freshDatabase(cfg.postgres)
		if err != nil {
			return nil, err
		}
		defer drop()
		stores = append(stores, struct{ name, dsn string }{"postgres", dsn})
	}
	urls := map[string]string{}
	for _, st := range stores {
		ng, stop, err := startNumgateWith(cfg.numgate, cfg.repo, "--decision-log", st.dsn)
		if err != nil {
			return nil, fmt.Errorf("numgate with the %s log: %w", st.name, err)
		}
		defer stop()
		urls[st.name] = ng.url + "/v1/decisions/activation"
	}
	c := cfg.concurrency[len(cfg.concurrency)-1]
	rounds := map[string][]float64{}
	for r := 0; r < cfg.logRounds; r++ {
		for _, st := range stores {
			row := drive(target{name: st.name, url: urls[st.name], body: body}, c, cfg.duration)
			rounds[st.name] = append(rounds[st.name], row.PerSecond)
		}
	}
	var out []logRow
	for _, st := range stores {
		out = append(out, logRow{Store: st.name, Concurrency: c, Rounds: rounds[st.name], Median: median(rounds[st.name])})
	}
	for i := range out {
		out[i].OfOff = out[i].Median / out[0].Median
	}
	return out, nil
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
