package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
	"github.com/numgate/numgate/internal/cputime"
)

// What the bench measures in process: each decision's cost through a loaded snapshot,
// for the single request of each kind and for the corpus's requests of each kind.

// medianCost keeps, for each row, the round with the median ns/op.
func medianCost(rounds [][]engineRow) []engineRow {
	out := make([]engineRow, len(rounds[0]))
	for k := range out {
		var rs []engineRow
		for _, r := range rounds {
			rs = append(rs, r[k])
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].NsPerOp < rs[j].NsPerOp })
		out[k] = rs[len(rs)/2]
	}
	return out
}

// scaleCost compares the cost of deciding a workload on two snapshots in pairs measured
// back to back, so that the machine's drift between pairs cancels out of each ratio; it
// returns the median ratio (large over small) and every pair's. The cost is the CPU time
// per decision (the clock's where CPU time cannot be read): on a shared machine the
// time spent waiting for a core lands on the clock, not on the CPU time.
func scaleCost(small, large *engine.Snapshot, w workload, pairs int) (float64, []float64) {
	cost := func(r engineRow) float64 {
		if r.CPUNsPerOp > 0 {
			return float64(r.CPUNsPerOp)
		}
		return float64(r.NsPerOp)
	}
	var ratios []float64
	for i := 0; i < pairs; i++ {
		s := decideCost(small, w, false)
		ratios = append(ratios, cost(decideCost(large, w, false))/cost(s))
	}
	return median(ratios), ratios
}

// decideCost decides the workload's requests round robin; with perCall it also times
// each decision, for the median.
func decideCost(snap *engine.Snapshot, w workload, perCall bool) engineRow {
	ctx := context.Background()
	var took []time.Duration
	var cpu time.Duration
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		took = took[:0]
		cpu0 := cputime.Self()
		defer func() { cpu = cputime.Self() - cpu0 }()
		for i := 0; i < b.N; i++ {
			req := w.reqs[i%len(w.reqs)]
			start := time.Now()
			if _, err := snap.Decide(ctx, req.Kind, req.Body); err != nil {
				b.Fatalf("%s: %v", req.File, err)
			}
			if perCall {
				took = append(took, time.Since(start))
			}
		}
	})
	row := engineRow{Input: w.name, NsPerOp: r.NsPerOp(), AllocsPerOp: r.AllocsPerOp(), BytesPerOp: r.AllocedBytesPerOp(),
		Throughput: 1e9 / float64(max(r.NsPerOp(), 1)), Requests: len(w.reqs)}
	if r.N > 0 && cpu > 0 {
		row.CPUNsPerOp = cpu.Nanoseconds() / int64(r.N)
	}
	if len(took) > 0 {
		slices.Sort(took)
		row.MedianNs = took[len(took)/2].Nanoseconds()
	}
	return row
}

// The single requests of the kinds other than activation.
var (
	singleAccountAction       = []byte(`{"action":"purchase_number","account":{"active_orders":1,"identity_verification":{"status":"verified"}}}`)
	singleContactVerification = []byte(`{"channel":"sms","phone":"+44 7400 123456"}`)
)

// engineCost measures each kind through a loaded snapshot, in process: the single
// request, and the corpus's requests of the kind (all kinds together last).
func engineCost(snap *engine.Snapshot, countries int, single, corpus workload) []engineRow {
	ctx := context.Background()
	var rows []engineRow
	add := func(kind string, r engineRow) {
		r.Countries, r.Kind = countries, kind
		rows = append(rows, r)
	}
	for _, k := range engine.Kinds {
		s := single.of(k)
		switch k {
		case engine.KindAccountAction:
			s.reqs = []cases.Request{{Kind: k, Body: singleAccountAction}}
		case engine.KindContactVerification:
			s.reqs = []cases.Request{{Kind: k, Body: singleContactVerification}}
		}
		add(string(k), decideCost(snap, s, true))
		add(string(k), decideCost(snap, corpus.of(k), true))
		if k == engine.KindActivation {
			r := testing.Benchmark(func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					if _, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: "local", Use: "business"}); err != nil {
						b.Fatal(err)
					}
				}
			})
			add("requirements", engineRow{Input: "single", NsPerOp: r.NsPerOp(), AllocsPerOp: r.AllocsPerOp(), BytesPerOp: r.AllocedBytesPerOp(),
				Throughput: 1e9 / float64(max(r.NsPerOp(), 1)), Requests: 1})
		}
	}
	add("every kind", decideCost(snap, corpus, true))
	return rows
}

func loadTree(dir string) (*engine.Snapshot, float64, error) {
	cfg := engine.Config{
		Countries: engine.Tree{FS: os.DirFS(filepath.Join(dir, "countries")), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS(filepath.Join(dir, "policies")), Name: "policies"},
	}
	var times []float64
	var snap *engine.Snapshot
	for i := 0; i < 5; i++ {
		start := time.Now()
		s, err := engine.Load(context.Background(), cfg)
		if err != nil {
			return nil, 0, fmt.Errorf("loading %s: %w", dir, err)
		}
		times = append(times, float64(time.Since(start).Microseconds())/1000)
		snap = s
	}
	sort.Float64s(times)
	return snap, times[len(times)/2], nil
}
