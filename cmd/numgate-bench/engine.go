package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
)

// What the bench measures in process: each decision's cost through a loaded snapshot.

// medianCost keeps, for each kind, the round with the median ns/op.
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

// scaleCost compares the activation cost of two snapshots in pairs measured back to back,
// so that the machine's drift between pairs cancels out of each ratio; it returns the
// median ratio (large over small) and every pair's.
func scaleCost(small, large *engine.Snapshot, body []byte, pairs int) (float64, []float64) {
	ctx := context.Background()
	cost := func(s *engine.Snapshot) float64 {
		return float64(testing.Benchmark(func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.Decide(ctx, engine.KindActivation, body); err != nil {
					b.Fatal(err)
				}
			}
		}).NsPerOp())
	}
	var ratios []float64
	for i := 0; i < pairs; i++ {
		s := cost(small)
		ratios = append(ratios, cost(large)/s)
	}
	return median(ratios), ratios
}

// engineCost measures one decision of each kind through a loaded snapshot, in process.
func engineCost(snap *engine.Snapshot, countries int, activation []byte) []engineRow {
	ctx := context.Background()
	kinds := []struct {
		kind string
		fn   func() error
	}{
		{"activation", func() error { _, err := snap.Decide(ctx, engine.KindActivation, activation); return err }},
		{"requirements", func() error {
			_, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: "local", Use: "business"})
			return err
		}},
		{"account_action", func() error {
			_, err := snap.Decide(ctx, engine.KindAccountAction, []byte(`{"action":"purchase_number","account":{"active_orders":1,"identity_verification":{"status":"verified"}}}`))
			return err
		}},
		{"contact_verification", func() error {
			_, err := snap.Decide(ctx, engine.KindContactVerification, []byte(`{"channel":"sms","phone":"+44 7400 123456"}`))
			return err
		}},
	}
	var rows []engineRow
	for _, k := range kinds {
		r := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if err := k.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
		rows = append(rows, engineRow{Countries: countries, Kind: k.kind, NsPerOp: r.NsPerOp(), AllocsPerOp: r.AllocsPerOp(),
			BytesPerOp: r.AllocedBytesPerOp(), Throughput: 1e9 / float64(max(r.NsPerOp(), 1))})
	}
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
