package server

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// Each decision's evaluator is visible: in GET /v1/policy (with the reason and the
// policy position when it is OPA's), in numgate_decision_evaluator and in the log. A
// policy planeval cannot run exactly sends only the decision that reaches it to OPA's
// evaluator.
func TestEvaluatorsAreVisible(t *testing.T) {
	ts := newTestServer(t)
	for _, d := range []string{"activation", "requirements", "account_action", "contact_verification"} {
		if got := testutil.ToFloat64(ts.metrics.evaluator.WithLabelValues(d, "plan")); got != 1 {
			t.Errorf("numgate_decision_evaluator{decision=%q,evaluator=\"plan\"} = %v, want 1", d, got)
		}
	}

	file := filepath.Join(ts.dir, "policies", "activation.rego")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `"use": identity.use,`, `"use": use_seen,`, 1)
	if edited == string(src) {
		t.Fatal("activation.rego no longer has the line this test edits")
	}
	edited += "\nuse_seen := u if {\n\tu := identity.use with input.unused as true\n}\n"
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.policy.Reload(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}

	st := decode(t, ts.do(t, "GET", "/v1/policy", "", ""))
	evs, _ := st["evaluators"].([]any)
	if len(evs) != 4 {
		t.Fatalf("GET /v1/policy evaluators: %v", st["evaluators"])
	}
	for _, e := range evs {
		e := e.(map[string]any)
		switch e["decision"] {
		case "activation":
			pos, _ := e["position"].(string)
			if e["evaluator"] != "topdown" || e["reason"] != "the with keyword" || !strings.HasPrefix(pos, "policies/activation.rego:") {
				t.Errorf("activation: %v; want topdown, the with keyword, at policies/activation.rego", e)
			}
		default:
			if e["evaluator"] != "plan" || e["reason"] != nil {
				t.Errorf("%v; want plan: only activation reaches the with keyword", e)
			}
		}
	}
	if testutil.ToFloat64(ts.metrics.evaluator.WithLabelValues("activation", "topdown")) != 1 ||
		testutil.ToFloat64(ts.metrics.evaluator.WithLabelValues("activation", "plan")) != 0 ||
		testutil.ToFloat64(ts.metrics.evaluator.WithLabelValues("requirements", "plan")) != 1 {
		t.Error("numgate_decision_evaluator does not show activation on topdown and the others on the plan")
	}
	if !strings.Contains(ts.logs.String(), `activation: topdown (policies/activation.rego:`) {
		t.Errorf("the policy loaded log line does not say why activation is on topdown:\n%s", ts.logs)
	}
}
