package planeval

import (
	"errors"
	"fmt"
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ErrUnsupported is what a Refusal wraps: the plan reaches what this package does not
// run exactly, so OPA's evaluator must decide that entrypoint.
var ErrUnsupported = errors.New("planeval does not run it exactly")

// Refusal is why an entrypoint is not run from its plan: what, and where in the policy.
type Refusal struct {
	Position string // file:line:column of the expression in the policy; "" when unknown
	Reason   string // what is not run exactly: "the with keyword", "built-in http.send (…)"
}

func (r *Refusal) Error() string {
	if r.Position == "" {
		return r.Reason + ": " + ErrUnsupported.Error()
	}
	return r.Position + ": " + r.Reason + ": " + ErrUnsupported.Error()
}

func (r *Refusal) Unwrap() error { return ErrUnsupported }

// plannerRefusal is an entrypoint OPA's compiler or planner would not plan.
func plannerRefusal(err error) *Refusal {
	r := &Refusal{Reason: "OPA's planner cannot plan it: " + err.Error()}
	var errs ast.Errors
	if errors.As(err, &errs) && len(errs) > 0 {
		r.Reason = "OPA's planner cannot plan it: " + errs[0].Message
		if loc := errs[0].Location; loc != nil {
			r.Position = fmt.Sprintf("%s:%d:%d", loc.File, loc.Row, loc.Col)
		}
	}
	return r
}

// refuseWith refuses the rules that use the with keyword. The planner compiles a with
// on input or data to a statement (refused when lowered), but replaces a mocked
// function or built-in at planning time, leaving nothing in the plan to refuse, and its
// replacement does not always answer as OPA's evaluator does. So a rule is refused by
// what its Rego says.
func (p *Program) refuseWith(modules map[string]*ast.Module) {
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	byRule := map[string]*Refusal{}
	for _, n := range names {
		for _, rule := range modules[n].Rules {
			key, ok := rulePathKey(rule)
			if !ok || byRule[key] != nil {
				continue
			}
			ast.WalkExprs(rule, func(e *ast.Expr) bool {
				if len(e.With) > 0 && byRule[key] == nil {
					byRule[key] = &Refusal{Position: position(e.Location), Reason: "the with keyword"}
				}
				return byRule[key] != nil
			})
		}
	}
	for i, path := range p.paths {
		if len(path) < 2 || p.refused[i] != nil {
			continue
		}
		if r := byRule[pathKey(path[1:])]; r != nil { // path[0] is the planner's "g0"
			p.refused[i] = r
		}
	}
}

// rulePathKey is a rule's data path (its ground prefix, package included) as the
// planner names a function's path.
func rulePathKey(rule *ast.Rule) (string, bool) {
	if rule.Module == nil {
		return "", false
	}
	ref := rule.Ref().GroundPrefix()
	parts := make([]string, 0, len(ref))
	for _, t := range ref[1:] {
		s, ok := t.Value.(ast.String)
		if !ok {
			return "", false
		}
		parts = append(parts, string(s))
	}
	return pathKey(parts), true
}

func position(loc *ast.Location) string {
	if loc == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d:%d", loc.File, loc.Row, loc.Col)
}

// candidates are the functions a dynamic call may reach: those whose path agrees with
// every part of the call's path known before evaluation.
func (p *Program) candidates(path []operand) []int {
	var out []int
	for i, fp := range p.paths {
		if len(fp) != len(path) {
			continue
		}
		match := true
		for j, o := range path {
			if o.local < 0 {
				if s, ok := o.term.Value.(ast.String); !ok || string(s) != fp[j] {
					match = false
					break
				}
			}
		}
		if match {
			out = append(out, i)
		}
	}
	return out
}

// resolveRefusals refuses every entrypoint whose plan calls, directly or through other
// functions, a function that cannot be run; the reason is the first such function's, in
// call order.
func (p *Program) resolveRefusals() {
	for name := range p.plans {
		if p.refusals[name] != nil {
			continue
		}
		seen := make([]bool, len(p.funcs))
		var visit func(i int) *Refusal
		visit = func(i int) *Refusal {
			if seen[i] {
				return nil
			}
			seen[i] = true
			if r := p.refused[i]; r != nil {
				return r
			}
			for _, c := range p.calls[i] {
				if r := visit(c); r != nil {
					return r
				}
			}
			return nil
		}
		for _, c := range p.entries[name] {
			if r := visit(c); r != nil {
				p.refusals[name] = r
				break
			}
		}
	}
}
