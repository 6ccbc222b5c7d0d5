package engine_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
)

// The engine's clock is what time-reading built-ins see under either evaluator: a
// policy that reads time.now_ns() decides the same from its plan and with OPA's
// evaluator, at the injected time.
func TestClockReachesBothEvaluators(t *testing.T) {
	src, err := os.ReadFile("../policies/activation.rego")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `"use": identity.use,`, `"use": sprintf("%d", [time.now_ns()]),`, 1)
	if edited == string(src) {
		t.Fatal("activation.rego no longer has the line this test edits")
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, ev := range []engine.Evaluator{engine.EvaluatorPlan, engine.EvaluatorTopdown} {
		cfg := repoTrees(t)
		cfg.Policies.FS = overlay(t, os.DirFS("../policies"), map[string][]byte{"activation.rego": []byte(edited)})
		cfg.Clock = func() time.Time { return now }
		cfg.Evaluator = ev
		snap, err := engine.Load(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := snap.Evaluators()[0]; got.Decision != "activation" || got.Evaluator != ev {
			t.Fatalf("%s: activation is decided by %s", ev, got)
		}
		d, err := activate(context.Background(), snap, []byte(deLocalBusiness))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprint(now.UnixNano()); d.Use != want {
			t.Errorf("%s: time.now_ns() = %s, want the engine's clock %s", ev, d.Use, want)
		}
	}
}
