package engine

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Shadow checks: a share of live decisions made from their plans is decided again by
// OPA's evaluator, later and elsewhere, and the two answers compared. The probe rides
// in the request's context so that no decision method changes its signature: the caller
// puts an empty probe in, the engine fills it when the decision ran from its plan.

// ShadowProbe holds what a planned decision was made of and what it decided.
type ShadowProbe struct {
	decision string    // activation, requirements, account_action, contact_verification
	input    ast.Value // the policy input, after the engine enriched the request
	planned  ast.Value // the plan's answer
	at       time.Time // what time-reading built-ins saw
}

type shadowKey struct{}

// WithShadowProbe asks the decision made with ctx to record itself in p.
func WithShadowProbe(ctx context.Context, p *ShadowProbe) context.Context {
	return context.WithValue(ctx, shadowKey{}, p)
}

// recordShadow fills the probe of ctx, if any, with a decision made from its plan.
// Neither value changes afterwards: the plan builds its answer in fresh values.
func recordShadow(ctx context.Context, decision string, input, planned ast.Value, at time.Time) {
	if p, ok := ctx.Value(shadowKey{}).(*ShadowProbe); ok && p != nil {
		*p = ShadowProbe{decision: decision, input: input, planned: planned, at: at}
	}
}

// Recorded says whether a decision ran from its plan and filled the probe.
func (p *ShadowProbe) Recorded() bool { return p.planned != nil }

// Decision is the kind of the decision recorded.
func (p *ShadowProbe) Decision() string { return p.decision }

// Planned is the plan's answer, as JSON values.
func (p *ShadowProbe) Planned() (any, error) { return ast.JSON(p.planned) }

// DecideTopdown decides a recorded decision again with OPA's evaluator: the same input,
// the same time.
func (s *Snapshot) DecideTopdown(ctx context.Context, p *ShadowProbe) (any, error) {
	for _, q := range s.decisionQueries() {
		if q.evaluator.Decision == p.decision {
			return eval(ctx, q.pq, p.input, rego.EvalTime(p.at))
		}
	}
	return nil, fmt.Errorf("no decision %q in this snapshot", p.decision)
}

// FirstDifference compares two JSON answers and names, as a JSON Pointer, the first
// place they differ (object keys in order, then array elements; "" is the whole
// answer); differ is false when they are equal. Numbers compare by value.
func FirstDifference(a, b any) (where string, differ bool) {
	va, erra := ast.InterfaceToValue(a)
	vb, errb := ast.InterfaceToValue(b)
	if erra != nil || errb != nil {
		return "", erra != nil || errb != nil
	}
	path, differ := firstDifference(va, vb, nil)
	return pointer(path), differ // "": the whole answer
}

func firstDifference(a, b ast.Value, path []string) ([]string, bool) {
	switch x := a.(type) {
	case ast.Object:
		y, ok := b.(ast.Object)
		if !ok {
			return path, true
		}
		keys := ast.NewSet(x.Keys()...).Union(ast.NewSet(y.Keys()...)).Sorted()
		for i := range keys.Len() {
			k := keys.Elem(i)
			key := k.String()
			if s, ok := k.Value.(ast.String); ok {
				key = string(s)
			}
			xv, yv := x.Get(k), y.Get(k)
			if xv == nil || yv == nil {
				return append(path, key), true
			}
			if p, differ := firstDifference(xv.Value, yv.Value, append(path, key)); differ {
				return p, true
			}
		}
		return nil, false
	case *ast.Array:
		y, ok := b.(*ast.Array)
		if !ok {
			return path, true
		}
		for i := range max(x.Len(), y.Len()) {
			if i >= x.Len() || i >= y.Len() {
				return append(path, strconv.Itoa(i)), true
			}
			if p, differ := firstDifference(x.Elem(i).Value, y.Elem(i).Value, append(path, strconv.Itoa(i))); differ {
				return p, true
			}
		}
		return nil, false
	}
	if a.Compare(b) != 0 {
		return path, true
	}
	return nil, false
}
