package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/numgate/numgate/engine"
)

// results is everything one run measured.
type results struct {
	Machine string      `json:"machine"`
	When    time.Time   `json:"when"`
	Load1   float64     `json:"load_average_1m"` // the machine's load average when the run began
	Engine  []engineRow `json:"engine"`
	Trees   []treeRow   `json:"trees"`
	Load    []loadRow   `json:"load"`
	Ratios  []ratioRow  `json:"ratios"`
	// Default is the default configuration's table: numgate as make run starts it, with
	// the log off, and the no-op server, at 1, 8 and 64 clients.
	Default       []loadRow      `json:"default_configuration"`
	DefaultRatios []defaultRatio `json:"default_configuration_ratios"`
	DefaultRSSMiB float64        `json:"default_configuration_rss_mib"`
	// Scale is the cost of deciding at a large tree over the cost at a small one: the
	// median of per-pair ratios, each pair measured back to back.
	Scale []scaleRow    `json:"scale"`
	Notes []string      `json:"notes"`
	took  time.Duration `json:"-"`
}

type engineRow struct {
	Countries   int     `json:"countries"`
	Kind        string  `json:"kind"`
	Input       string  `json:"input"`    // single or corpus
	Requests    int     `json:"requests"` // how many different requests
	NsPerOp     int64   `json:"ns_per_op"`
	CPUNsPerOp  int64   `json:"cpu_ns_per_op"` // the process's CPU time per decision, the garbage collector's included
	MedianNs    int64   `json:"median_ns"`     // the median decision's, where each was timed
	AllocsPerOp int64   `json:"allocs_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	Throughput  float64 `json:"ops_per_s"`
}

type treeRow struct {
	Countries int     `json:"countries"`
	LoadMs    float64 `json:"load_ms"`
	ReloadMs  float64 `json:"reload_ms"`
	RSSMiB    float64 `json:"rss_mib"` // numgate serve (log off) after its load
}

type loadRow struct {
	Countries   int       `json:"countries"`
	Target      string    `json:"target"`
	Input       string    `json:"input"` // single or corpus
	Concurrency int       `json:"concurrency"`
	Requests    int       `json:"requests"`
	Errors      int       `json:"errors"`
	PerSecond   float64   `json:"per_second"`                // the median round's
	P50Ms       float64   `json:"p50_ms"`                    // the median of the rounds'
	P99Ms       float64   `json:"p99_ms"`                    // the median of the rounds'
	ServerCPUUs float64   `json:"server_cpu_us_per_request"` // the serving process's CPU time per answer, median of the rounds; 0: not measured
	Rounds      []float64 `json:"rounds_per_second"`
}

type ratioRow struct {
	Countries   int     `json:"countries"`
	Input       string  `json:"input"`
	Concurrency int     `json:"concurrency"`
	VsOPA       float64 `json:"numgate_over_opa"`
	VsNoop      float64 `json:"numgate_over_noop"`
	VsTopdown   float64 `json:"numgate_over_numgate_topdown"` // what running the plans buys over OPA's evaluator
}

type scaleRow struct {
	Small  int       `json:"small_countries"`
	Large  int       `json:"large_countries"`
	Input  string    `json:"input"`
	Ratio  float64   `json:"cost_large_over_small"`
	Rounds []float64 `json:"pair_ratios"`
}

// tree is a policy tree the bench serves: the repository's, a copy of its first 15
// countries, or the repository's grown to -scale countries with synthetic ones.
type tree struct {
	countries int
	dir       string
	snap      *engine.Snapshot
	loadMs    float64
}

func run(cfg config) (*results, error) {
	start := time.Now()
	res := &results{When: start.UTC(), Machine: machine(), Load1: loadAverage()}
	single, corpus, err := workloads(cfg.repo)
	if err != nil {
		return nil, err
	}
	noop, stopNoop, err := startNoop()
	if err != nil {
		return nil, err
	}
	defer stopNoop()
	if !cfg.logOnly {
		if err := compare(cfg, res, noop, single, corpus); err != nil {
			return nil, err
		}
	}
	if res.Default, res.DefaultRatios, res.DefaultRSSMiB, err = defaultConfigCost(cfg, noop, []workload{single, corpus}); err != nil {
		return nil, err
	}
	res.took = time.Since(start)
	return res, nil
}

// compare measures the engine in process and numgate against the stock OPA server and
// the no-op server over HTTP, at the repository's tree and at the large one, and the
// small tree's memory.
func compare(cfg config, res *results, noop string, single, corpus workload) error {
	smallDir, err := subsetTree(cfg.repo, smallTree)
	if err != nil {
		return err
	}
	defer os.RemoveAll(smallDir)
	bigDir, err := scaledTree(cfg.repo, cfg.scale)
	if err != nil {
		return err
	}
	defer os.RemoveAll(bigDir)
	repoCountries, _ := filepath.Glob(filepath.Join(cfg.repo, "countries", "[A-Z][A-Z].yaml"))
	small, repo, big := &tree{countries: smallTree, dir: smallDir}, &tree{countries: len(repoCountries), dir: cfg.repo}, &tree{countries: cfg.scale, dir: bigDir}
	for _, t := range []*tree{small, repo, big} {
		if t.snap, t.loadMs, err = loadTree(t.dir); err != nil {
			return err
		}
	}
	smallCorpus := corpus.decidedBy(small.snap)

	// The engine's cost at each size, in interleaved rounds (the median is kept), so the
	// shared machine's drift does not pass for a difference between sizes.
	measured := []*tree{repo, big}
	costs := make([][][]engineRow, len(measured))
	for r := 0; r < cfg.rounds; r++ {
		for i, t := range measured {
			costs[i] = append(costs[i], engineCost(t.snap, t.countries, single, corpus))
		}
	}
	for i := range measured {
		res.Engine = append(res.Engine, medianCost(costs[i])...)
	}
	pairs := 2*cfg.rounds + 1
	for _, p := range []struct {
		small, large *tree
		w            workload
	}{{small, big, single}, {small, big, smallCorpus}, {repo, big, corpus}} {
		ratio, rounds := scaleCost(p.small.snap, p.large.snap, p.w, pairs)
		res.Scale = append(res.Scale, scaleRow{Small: p.small.countries, Large: p.large.countries, Input: p.w.name, Ratio: ratio, Rounds: rounds})
	}

	row, err := memoryOnly(cfg, small, smallCorpus)
	if err != nil {
		return err
	}
	res.Trees = append(res.Trees, row)
	for _, t := range measured {
		if err := serveAndCompare(cfg, res, noop, t, single, corpus); err != nil {
			return err
		}
	}
	return nil
}

// smallTree is the size of the small tree: the repository's first 15 countries, the
// size the memory figures were first measured at.
const smallTree = 15

// memoryOnly serves the small tree, reloads it and answers its corpus for a while, and
// reports its load, reload and memory.
func memoryOnly(cfg config, t *tree, w workload) (treeRow, error) {
	ng, stop, err := startNumgate(cfg.numgate, t.dir)
	if err != nil {
		return treeRow{}, err
	}
	defer stop()
	row := treeRow{Countries: t.countries, LoadMs: t.loadMs}
	if row.ReloadMs, err = reloadTime(ng.url); err != nil {
		return row, err
	}
	drive(target{name: "numgate", input: w.name, calls: numgateCalls(ng.url, w)}, 8, cfg.duration)
	row.RSSMiB = rssMiB(ng.pid)
	return row, nil
}

// serveAndCompare measures numgate, numgate with OPA's evaluator, the stock OPA server
// and the no-op server on one tree, for the single request and the corpus.
func serveAndCompare(cfg config, res *results, noop string, tr *tree, single, corpus workload) error {
	ng, stopNG, err := startNumgate(cfg.numgate, tr.dir)
	if err != nil {
		return err
	}
	defer stopNG()
	row := treeRow{Countries: tr.countries, LoadMs: tr.loadMs}
	if row.ReloadMs, err = reloadTime(ng.url); err != nil {
		return err
	}
	// The same server with OPA's own evaluator: what the query plans buy, measured
	// side by side.
	td, stopTD, err := startNumgateWith(cfg.numgate, tr.dir, "--decision-log", "off", "--evaluator", "topdown")
	if err != nil {
		return err
	}
	defer stopTD()
	var opa server
	if cfg.opa != "" {
		var stopOPA func()
		if opa, stopOPA, err = startOPA(cfg.opa, tr.dir, tr.snap); err != nil {
			return err
		}
		defer stopOPA()
	}
	targetsOf := func(w workload) ([]target, error) {
		ts := []target{
			{name: "numgate", input: w.name, calls: numgateCalls(ng.url, w), pid: ng.pid},
			{name: "numgate-topdown", input: w.name, calls: numgateCalls(td.url, w), pid: td.pid},
			{name: "no-op", input: w.name, calls: noopCalls(noop, w)},
		}
		if cfg.opa == "" {
			return ts, nil
		}
		calls, err := opaCalls(opa.url, tr.snap, w)
		if err != nil {
			return nil, err
		}
		if err := sameDecisions(tr.snap, w, ts[0].calls, calls); err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("%d countries, %s: %v", tr.countries, w.name, err))
		}
		return append(ts, target{name: "opa", input: w.name, calls: calls, pid: opa.pid}), nil
	}
	var loads [][]target
	for _, w := range []workload{single, corpus} {
		ts, err := targetsOf(w)
		if err != nil {
			return err
		}
		loads = append(loads, ts)
	}
	for _, c := range cfg.concurrency {
		// Interleaved rounds: the shared machine's drift falls on every target alike.
		runs := map[string][]loadRow{}
		for r := 0; r < cfg.rounds; r++ {
			for _, ts := range loads {
				for _, t := range ts {
					runs[t.input+"/"+t.name] = append(runs[t.input+"/"+t.name], drive(t, c, cfg.duration))
				}
			}
		}
		for _, ts := range loads {
			rows := map[string]loadRow{}
			for _, t := range ts {
				r := medianRow(runs[t.input+"/"+t.name])
				r.Countries = tr.countries
				rows[t.name] = r
				res.Load = append(res.Load, r)
			}
			ratio := ratioRow{Countries: tr.countries, Input: ts[0].input, Concurrency: c, VsNoop: rows["numgate"].PerSecond / rows["no-op"].PerSecond}
			if o, ok := rows["opa"]; ok && o.PerSecond > 0 {
				ratio.VsOPA = rows["numgate"].PerSecond / o.PerSecond
			}
			if td := rows["numgate-topdown"]; td.PerSecond > 0 {
				ratio.VsTopdown = rows["numgate"].PerSecond / td.PerSecond
			}
			res.Ratios = append(res.Ratios, ratio)
		}
	}
	row.RSSMiB = rssMiB(ng.pid)
	res.Trees = append(res.Trees, row)
	return nil
}

// medianRow sums up rounds of one target: the median throughput, latency percentiles
// and the total of requests and errors.
func medianRow(rounds []loadRow) loadRow {
	out := rounds[0]
	var per, p50, p99, cpu []float64
	out.Requests, out.Errors = 0, 0
	for _, r := range rounds {
		per, p50, p99, cpu = append(per, r.PerSecond), append(p50, r.P50Ms), append(p99, r.P99Ms), append(cpu, r.ServerCPUUs)
		out.Requests += r.Requests
		out.Errors += r.Errors
	}
	out.PerSecond, out.P50Ms, out.P99Ms, out.ServerCPUUs, out.Rounds = median(per), median(p50), median(p99), median(cpu), per
	return out
}
