// Command numgate-bench measures numgate in one run on this machine, side by side with
// the stock OPA server answering the same input through its Data API and with a no-op
// Go HTTP server (the ceiling of the HTTP stack): in-process engine cost per decision
// kind, server throughput and latency at fixed concurrency, at the repository's
// countries and at 250, with memory and snapshot load/reload time (and at 15 countries),
// and the default configuration (the SQLite decision log on) against the log off, at 1,
// 8 and 64 clients. Each is measured for one request repeated and for the corpus of
// every decision case's request. It prints tables and writes JSON. Every server it
// starts listens on loopback, and every run stops by itself.
//
// make bench builds it and runs it; see the README for the figures.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
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
	flag.DurationVar(&cfg.duration, "duration", 2*time.Second, "load per target, concurrency and round")
	flag.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds of the HTTP comparison (the median is reported)")
	conc := flag.String("concurrency", "8,64", "comma-separated client counts of the comparison with the stock OPA server")
	defConc := flag.String("default-concurrency", "1,8,64", "comma-separated client counts of the default configuration's table")
	flag.IntVar(&cfg.scale, "scale", 250, "countries in the large tree")
	flag.StringVar(&cfg.out, "out", "bench-results.json", "where the JSON results go")
	flag.StringVar(&cfg.postgres, "postgres", os.Getenv("NUMGATE_TEST_POSTGRES_DSN"), "PostgreSQL DSN for the decision-log comparison; empty: SQLite only")
	flag.IntVar(&cfg.logRounds, "log-rounds", 3, "interleaved rounds of the default configuration's table (the decision log's cost); 0 skips it")
	flag.BoolVar(&cfg.logOnly, "log-only", false, "run only the default configuration's table")
	drive := flag.String("drive", "", "only drive the corpus against the numgate serving at this loopback `URL` (e.g. while profiling it with --pprof-addr; a URL ending in /noop: the no-op server of -noop ADDR) with the first -concurrency clients for -duration, and print the load")
	flag.Parse()
	var err error
	if cfg.concurrency, err = counts("concurrency", *conc); err == nil {
		cfg.defaultConcurrency, err = counts("default-concurrency", *defConc)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "numgate-bench:", err)
		os.Exit(2)
	}
	if cfg.rounds < 1 {
		fmt.Fprintln(os.Stderr, "numgate-bench: -rounds must be at least 1")
		os.Exit(2)
	}
	if *drive != "" {
		os.Exit(driveOnly(cfg, *drive))
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

// counts reads a comma-separated list of client counts.
func counts(name, list string) ([]int, error) {
	var out []int
	for _, c := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-%s %q is not a list of counts", name, list)
		}
		out = append(out, n)
	}
	return out, nil
}

type config struct {
	numgate, opa, repo, out string
	duration                time.Duration
	concurrency             []int
	defaultConcurrency      []int
	scale                   int
	postgres                string
	logRounds               int
	logOnly                 bool
	rounds                  int
}

// driveOnly drives the corpus against a running numgate (or, for a URL ending in /noop,
// a no-op server started with -noop ADDR) and prints the load.
func driveOnly(cfg config, raw string) int {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !isLoopbackHost(u.Hostname()) {
		fmt.Fprintf(os.Stderr, "numgate-bench: -drive %q: give an http URL on loopback, e.g. http://127.0.0.1:8080\n", raw)
		return 2
	}
	_, corpus, err := workloads(cfg.repo)
	if err != nil {
		fmt.Fprintln(os.Stderr, "numgate-bench:", err)
		return 1
	}
	base := strings.TrimSuffix(raw, "/")
	calls := numgateCalls(base, corpus)
	if b, ok := strings.CutSuffix(base, "/noop"); ok {
		calls = noopCalls(b, corpus)
	}
	row := drive(target{name: "numgate", input: corpus.name, calls: calls}, cfg.concurrency[0], cfg.duration)
	res := &results{Load: []loadRow{row}}
	res.printLoad(os.Stdout, "decisions over HTTP", res.Load, false)
	return 0
}

// isLoopbackHost says whether a URL's host is this machine.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
