package engine_test

import (
	"context"
	"testing"

	"github.com/numgate/numgate/engine"
)

// The benchmarks measure one decision through a loaded snapshot: decoding and validating
// the request, parsing the number, evaluating the plan (or the prepared query), typing the result.

func BenchmarkActivation(b *testing.B) { benchActivation(b, loadRepo(b)) }

// BenchmarkActivationTopdown is BenchmarkActivation with OPA's own evaluator instead of
// the query plans: the baseline the plans are measured against.
func BenchmarkActivationTopdown(b *testing.B) {
	benchActivation(b, loadRepoAs(b, engine.EvaluatorTopdown))
}

func benchActivation(b *testing.B, snap *engine.Snapshot) {
	body := []byte(deLocalBusiness)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := activate(ctx, snap, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkActivationParallel(b *testing.B) {
	snap := loadRepo(b)
	body := []byte(deLocalBusiness)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := activate(ctx, snap, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkRequirements(b *testing.B) {
	snap := loadRepo(b)
	q := engine.RequirementsQuery{Country: "DE", NumberType: "local", Use: "business"}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := snap.Requirements(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	cfg := repoTrees(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := engine.Load(context.Background(), cfg); err != nil {
			b.Fatal(err)
		}
	}
}
