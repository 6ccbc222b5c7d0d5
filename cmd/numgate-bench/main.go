// Command numgate-bench measures numgate in one run on this machine, side by side with
// the stock OPA server answering the same input through its Data API and with a no-op
// Go HTTP server (the ceiling of the HTTP stack): in-process engine cost per decision
// kind, server throughput and latency at fixed concurrency, at 15 and at 250 countries,
// with memory and snapshot load/reload time. It prints a table and writes JSON. Every
// server it starts listens on loopback, and every run stops by itself.
//
// make bench builds it and runs it; see the README for the figures.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-noop" {
		os.Exit(serveNoop(os.Args[2]))
	}
	var cfg config
	flag.StringVar(&cfg.numgate, "numgate", "bin/numgate", "the numgate binary to serve with")
	flag.StringVar(&cfg.opa, "opa", "", "the stock opa binary (opa run --server); empty: skip OPA")
	flag.StringVar(&cfg.repo, "repo", ".", "the repository root (countries/, policies/, testdata/)")
	flag.DurationVar(&cfg.duration, "duration", 3*time.Second, "load per target, concurrency and round")
	flag.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds of the HTTP comparison (the median is reported)")
	conc := flag.String("concurrency", "8,64", "comma-separated client counts")
	flag.IntVar(&cfg.scale, "scale", 250, "countries in the large tree")
	flag.StringVar(&cfg.out, "out", "bench-results.json", "where the JSON results go")
	flag.StringVar(&cfg.postgres, "postgres", os.Getenv("NUMGATE_TEST_POSTGRES_DSN"), "PostgreSQL DSN for the decision-log comparison; empty: SQLite only")
	flag.IntVar(&cfg.logRounds, "log-rounds", 5, "interleaved rounds of the decision-log comparison; 0 skips it")
	flag.BoolVar(&cfg.logOnly, "log-only", false, "run only the decision-log comparison")
	flag.Parse()
	for _, c := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "numgate-bench: -concurrency %q is not a list of counts\n", *conc)
			os.Exit(2)
		}
		cfg.concurrency = append(cfg.concurrency, n)
	}
	if cfg.rounds < 1 {
		fmt.Fprintln(os.Stderr, "numgate-bench: -rounds must be at least 1")
		os.Exit(2)
	}
	res, err := run(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "numgate-bench:", err)
		os.Exit(1)
	}
	res.print(os.Stdout)
	if err := res.save(cfg.out); err != nil {
		fmt.Fprintln(os.Stderr, "numgate-bench:", err)
		os.Exit(1)
	}
	fmt.Printf("\nresults written to %s\n", cfg.out)
}

type config struct {
	numgate, opa, repo, out string
	duration                time.Duration
	concurrency             []int
	scale                   int
	postgres                string
	logRounds               int
	logOnly                 bool
	rounds                  int
}
