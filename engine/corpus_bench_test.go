package engine_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
	"github.com/numgate/numgate/internal/cputime"
)

// The corpus benchmarks decide every decision case's request in turn (all countries,
// kinds and statuses, hundreds of numbers and identities) rather than one request
// repeated, so that nothing keyed by a request or a number can flatter them. Besides
// ns/op (the mean) they report the median decision, in µs, and the process's CPU time
// per decision (the garbage collector's included), which other work on a shared machine
// disturbs less than the clock.

func BenchmarkActivationCorpus(b *testing.B) {
	benchCorpus(b, loadRepo(b), engine.KindActivation)
}

func BenchmarkDecisionCorpus(b *testing.B) { benchCorpus(b, loadRepo(b), "") }

// benchCorpus decides the corpus's requests of kind (every kind when empty) round robin.
func benchCorpus(b *testing.B, snap *engine.Snapshot, kind engine.Kind) {
	reqs := corpus(b, kind)
	ctx := context.Background()
	took := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Self()
	for i := 0; i < b.N; i++ {
		r := reqs[i%len(reqs)]
		start := time.Now()
		if _, err := snap.Decide(ctx, r.Kind, r.Body); err != nil {
			b.Fatalf("%s: %v", r.File, err)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	if cpu > 0 {
		b.ReportMetric(float64(cputime.Self()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds())/1e3, "median-µs")
}

// corpus is the repository's decision-case corpus, of one kind or (kind "") all.
func corpus(b *testing.B, kind engine.Kind) []cases.Request {
	b.Helper()
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		b.Fatal(err)
	}
	reqs, err := cases.Corpus(all)
	if err != nil {
		b.Fatal(err)
	}
	if kind != "" {
		reqs = slices.DeleteFunc(reqs, func(r cases.Request) bool { return r.Kind != kind })
	}
	if len(reqs) == 0 {
		b.Fatalf("no %s requests in the corpus", kind)
	}
	return reqs
}
