package main

import (
	"encoding/json"
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
	Engine  []engineRow `json:"engine"`
	Trees   []treeRow   `json:"trees"`
	Load    []loadRow   `json:"load"`
	Ratios  []ratioRow  `json:"ratios"`
	Log     []logRow    `json:"decision_log"`
	// ScaleCost is the activation cost at the large tree over the cost at 15 countries:
	// the median of per-pair ratios, each pair measured back to back.
	ScaleCost       float64       `json:"activation_cost_large_over_15"`
	ScaleCostRounds []float64     `json:"activation_cost_ratio_rounds"`
	Notes           []string      `json:"notes"`
	took            time.Duration `json:"-"`
}

type engineRow struct {
	Countries   int     `json:"countries"`
	Kind        string  `json:"kind"`
	NsPerOp     int64   `json:"ns_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	Throughput  float64 `json:"ops_per_s"`
}

type treeRow struct {
	Countries int     `json:"countries"`
	LoadMs    float64 `json:"load_ms"`
	ReloadMs  float64 `json:"reload_ms"`
	RSSMiB    float64 `json:"rss_mib"`
}

type loadRow struct {
	Countries   int       `json:"countries"`
	Target      string    `json:"target"`
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
	Concurrency int     `json:"concurrency"`
	VsOPA       float64 `json:"numgate_over_opa"`
	VsNoop      float64 `json:"numgate_over_noop"`
	VsTopdown   float64 `json:"numgate_over_numgate_topdown"` // what running the plans buys over OPA's evaluator
}

func run(cfg config) (*results, error) {
	start := time.Now()
	res := &results{When: start.UTC(), Machine: machine()}
	body, err := os.ReadFile(filepath.Join(cfg.repo, "testdata/requests/de-local-business.json"))
	if err != nil {
		return nil, err
	}
	big, err := scaledTree(cfg.repo, cfg.scale)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(big)
	trees := []struct {
		countries int
		dir       string
	}{{15, cfg.repo}, {cfg.scale, big}}

	noop, stopNoop, err := startNoop()
	if err != nil {
		return nil, err
	}
	defer stopNoop()

	if cfg.logOnly {
		trees = nil
	}
	snaps := make([]*engine.Snapshot, len(trees))
	loadMs := make([]float64, len(trees))
	for i, tr := range trees {
		if snaps[i], loadMs[i], err = loadTree(tr.dir); err != nil {
			return nil, err
		}
	}
	// The engine's cost at each size, in interleaved rounds (the median is kept), so the
	// shared machine's drift does not pass for a difference between sizes.
	costs := make([][][]engineRow, len(trees))
	for r := 0; r < cfg.rounds; r++ {
		for i, tr := range trees {
			costs[i] = append(costs[i], engineCost(snaps[i], tr.countries, body))
		}
	}
	for i := range trees {
		res.Engine = append(res.Engine, medianCost(costs[i])...)
	}
	if len(trees) == 2 {
		res.ScaleCost, res.ScaleCostRounds = scaleCost(snaps[0], snaps[1], body, 2*cfg.rounds+1)
	}
	for i, tr := range trees {
		snap := snaps[i]

		ng, stopNG, err := startNumgate(cfg.numgate, tr.dir)
		if err != nil {
			return nil, err
		}
		row := treeRow{Countries: tr.countries, LoadMs: loadMs[i]}
		row.ReloadMs, err = reloadTime(ng.url)
		if err != nil {
			stopNG()
			return nil, err
		}
		// The same server with OPA's own evaluator: what the query plans buy, measured
		// side by side.
		td, stopTD, err := startNumgateWith(cfg.numgate, tr.dir, "--decision-log", "off", "--evaluator", "topdown")
		if err != nil {
			stopNG()
			return nil, err
		}
		targets := []target{
			{name: "numgate", url: ng.url + "/v1/decisions/activation", body: body, pid: ng.pid},
			{name: "numgate-topdown", url: td.url + "/v1/decisions/activation", body: body, pid: td.pid},
			{name: "no-op", url: noop + "/noop", body: body},
		}
		if cfg.opa != "" {
			opa, stopOPA, err := startOPA(cfg.opa, tr.dir, snap)
			if err != nil {
				stopNG()
				stopTD()
				return nil, err
			}
			defer stopOPA()
			input, _ := snap.PolicyInput(engine.KindActivation, body)
			opaBody, _ := json.Marshal(map[string]any{"input": input})
			if err := sameDecision(ng.url, opa.url, body, opaBody); err != nil {
				res.Notes = append(res.Notes, fmt.Sprintf("%d countries: %v", tr.countries, err))
			}
			targets = append(targets, target{name: "opa", url: opa.url + "/v1/data/numgate/activation/decision", body: opaBody, pid: opa.pid})
		}
		for _, c := range cfg.concurrency {
			// Interleaved rounds: the shared machine's drift falls on every target alike.
			runs := map[string][]loadRow{}
			for r := 0; r < cfg.rounds; r++ {
				for _, t := range targets {
					runs[t.name] = append(runs[t.name], drive(t, c, cfg.duration))
				}
			}
			rows := map[string]loadRow{}
			for _, t := range targets {
				r := medianRow(runs[t.name])
				r.Countries = tr.countries
				rows[t.name] = r
				res.Load = append(res.Load, r)
			}
			ratio := ratioRow{Countries: tr.countries, Concurrency: c, VsNoop: rows["numgate"].PerSecond / rows["no-op"].PerSecond}
			if o, ok := rows["opa"]; ok && o.PerSecond > 0 {
				ratio.VsOPA = rows["numgate"].PerSecond / o.PerSecond
			}
			if td := rows["numgate-topdown"]; td.PerSecond > 0 {
				ratio.VsTopdown = rows["numgate"].PerSecond / td.PerSecond
			}
			res.Ratios = append(res.Ratios, ratio)
		}
		row.RSSMiB = rssMiB(ng.pid)
		res.Trees = append(res.Trees, row)
		stopNG()
		stopTD()
	}
	if res.Log, err = decisionLogCost(cfg, body); err != nil {
		return nil, err
	}
	res.took = time.Since(start)
	return res, nil
}

// medianRow sums up rounds of one target: the median throughput, latency percentiles
// and the total of requests and errors.
func medianRow(rounds []loadRow) loadRow {
	out := rounds[0]
	var per, p50, p99 []float64
	out.Requests, out.Errors = 0, 0
	for _, r := range rounds {
		per, p50, p99 = append(per, r.PerSecond), append(p50, r.P50Ms), append(p99, r.P99Ms)
		out.Requests += r.Requests
		out.Errors += r.Errors
	}
	var cpu []float64
	for _, r := range rounds {
		cpu = append(cpu, r.ServerCPUUs)
	}
	out.PerSecond, out.P50Ms, out.P99Ms, out.ServerCPUUs, out.Rounds = median(per), median(p50), median(p99), median(cpu), per
	return out
}
