package engine_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/numgate/numgate/engine"
)

// A decision made from its plan with a probe in its context records what it decided
// from; OPA's evaluator, given the record, decides the same. A decision OPA's evaluator
// made records nothing: there is nothing to check.
func TestShadowProbe(t *testing.T) {
	ctx := context.Background()
	plan := loadRepoAs(t, engine.EvaluatorPlan)
	for kind, body := range map[string]string{
		"activation":           deLocalBusiness,
		"contact_verification": `{"channel": "sms", "phone": "030 901820", "default_region": "DE"}`,
	} {
		p := &engine.ShadowProbe{}
		var err error
		if kind == "activation" {
			_, err = activate(engine.WithShadowProbe(ctx, p), plan, []byte(body))
		} else {
			_, err = plan.Decide(engine.WithShadowProbe(ctx, p), engine.KindContactVerification, []byte(body))
		}
		if err != nil {
			t.Fatal(err)
		}
		if !p.Recorded() || p.Decision() != kind {
			t.Fatalf("%s: probe recorded %v, decision %q", kind, p.Recorded(), p.Decision())
		}
		planned, err := p.Planned()
		if err != nil {
			t.Fatal(err)
		}
		again, err := plan.DecideTopdown(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if where, differ := engine.FirstDifference(planned, again); differ {
			t.Errorf("%s: OPA's evaluator differs from the plan at %q", kind, where)
		}
	}

	p := &engine.ShadowProbe{}
	if _, err := loadRepoAs(t, engine.EvaluatorTopdown).Decide(engine.WithShadowProbe(ctx, p), engine.KindActivation, []byte(deLocalBusiness)); err != nil {
		t.Fatal(err)
	}
	if p.Recorded() {
		t.Error("a decision made by OPA's evaluator filled the probe")
	}
}

func TestFirstDifference(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       string
		differ     bool
	}{
		{"equal", `{"allow": true, "reasons": [{"code": "ok"}]}`, `{"reasons": [{"code": "ok"}], "allow": true}`, "", false},
		{"numbers by value", `{"n": 1}`, `{"n": 1.0}`, "", false},
		{"a value", `{"allow": true, "status": "active"}`, `{"allow": false, "status": "active"}`, "/allow", true},
		{"deep in an array", `{"requirements": [{"satisfied": true}, {"satisfied": true}]}`, `{"requirements": [{"satisfied": true}, {"satisfied": false}]}`, "/requirements/1/satisfied", true},
		{"a key missing", `{"a": 1, "b": 2}`, `{"a": 1}`, "/b", true},
		{"an element missing", `{"xs": [1, 2]}`, `{"xs": [1]}`, "/xs/1", true},
		{"the first key in order", `{"b": 1, "a": 1}`, `{"b": 2, "a": 2}`, "/a", true},
		{"escaped", `{"a/b": {"c~d": 1}}`, `{"a/b": {"c~d": 2}}`, "/a~1b/c~0d", true},
		{"another type", `{"a": [1]}`, `{"a": {"0": 1}}`, "/a", true},
		{"the whole answer", `1`, `2`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b any
			if err := json.Unmarshal([]byte(tc.a), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.b), &b); err != nil {
				t.Fatal(err)
			}
			where, differ := engine.FirstDifference(a, b)
			if where != tc.want || differ != tc.differ {
				t.Errorf("got %q, %v; want %q, %v", where, differ, tc.want, tc.differ)
			}
		})
	}
}
