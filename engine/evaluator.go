package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/numgate/numgate/engine/planeval"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
)

// DecisionEvaluator is the evaluator that makes one kind of decision in a snapshot, and
// why OPA's evaluator makes it when it does. Each decision is planned on its own: a
// policy planeval cannot run exactly sends that decision, not the others, to OPA's
// evaluator.
type DecisionEvaluator struct {
	// Decision is the kind: activation, requirements, account_action,
	// contact_verification (as in the numgate_decisions_total metric).
	Decision  string    `json:"decision"`
	Evaluator Evaluator `json:"evaluator"` // plan or topdown
	// Reason is why the decision is not run from its plan ("the with keyword",
	// "built-in http.send (…)", "configured: --evaluator topdown"); empty when it is.
	Reason string `json:"reason,omitempty"`
	// Position is where in the policies (file:line:column) is what planeval does not run
	// exactly; empty when there is no such place.
	Position string `json:"position,omitempty"`
}

// String is one line for logs and numgate check: "activation: plan", or
// "activation: topdown (policies/activation.rego:98:2: the with keyword)".
func (e DecisionEvaluator) String() string {
	if e.Reason == "" {
		return e.Decision + ": " + string(e.Evaluator)
	}
	why := e.Reason
	if e.Position != "" {
		why = e.Position + ": " + why
	}
	return fmt.Sprintf("%s: %s (%s)", e.Decision, e.Evaluator, why)
}

// Evaluators lists the evaluator of every decision: activation, requirements,
// account_action, contact_verification.
func (s *Snapshot) Evaluators() []DecisionEvaluator {
	qs := s.decisionQueries()
	out := make([]DecisionEvaluator, len(qs))
	for i, q := range qs {
		out[i] = q.evaluator
	}
	return out
}

// decisionQueries lists the decisions' queries: each kind's, then the requirements'.
func (s *Snapshot) decisionQueries() []*decisionQuery {
	out := make([]*decisionQuery, 0, len(Kinds)+1)
	for _, k := range Kinds {
		out = append(out, s.decisions[k])
	}
	return append(out, &s.requirements)
}

// decisionName is a decision's kind, read from its rule's path
// ("numgate/account_action/decision" → "account_action").
func decisionName(entrypoint string) string {
	parts := strings.Split(entrypoint, "/")
	if len(parts) < 2 {
		return entrypoint
	}
	return parts[1]
}

// plan builds the decisions' query plans and chooses each decision's evaluator: its plan
// when planeval runs it exactly, else OPA's evaluator, with the reason. A policy
// planeval cannot run is not an error.
func (s *Snapshot) plan(ctx context.Context) error {
	qs := s.decisionQueries()
	for _, q := range qs {
		q.evaluator.Evaluator = EvaluatorTopdown
	}
	if s.evaluator == EvaluatorTopdown {
		for _, q := range qs {
			q.evaluator.Reason = "configured: --evaluator topdown"
		}
		return nil
	}
	entrypoints := make([]string, len(qs))
	for i, q := range qs {
		entrypoints[i] = q.entrypoint
	}
	prog, err := planeval.Compile(ctx, s.modules, entrypoints...)
	if err != nil {
		for _, q := range qs {
			q.evaluator.Reason = err.Error()
		}
		return nil
	}
	planned := false
	for _, q := range qs {
		if r := prog.Refused(q.entrypoint); r != nil {
			q.evaluator.Reason, q.evaluator.Position = r.Reason, r.Position
			continue
		}
		q.evaluator.Evaluator, planned = EvaluatorPlan, true
	}
	if !planned {
		return nil
	}
	doc, err := storage.ReadOne(ctx, s.store, storage.RootPath)
	if err != nil {
		return fmt.Errorf("reading the data document: %w", err)
	}
	data, ok := doc.(ast.Value)
	if !ok {
		if data, err = ast.InterfaceToValue(doc); err != nil {
			return fmt.Errorf("reading the data document: %w", err)
		}
	}
	s.plans, s.data = prog, data
	return nil
}
