package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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
		stores = append(stores, struct{ name, dsn string }{"postgres", cfg.postgres})
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

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
