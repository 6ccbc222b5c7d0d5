// Package planeval evaluates Rego decisions from OPA's query plans (the intermediate
// representation OPA's planner builds for its Wasm and plan targets) instead of OPA's
// tree-walking evaluator.
//
// Why: OPA's topdown evaluator unifies, binds and plugs terms for every expression,
// which costs a few microseconds per rule or function call; an activation decision makes
// about 130 of them. A plan is the same policy lowered to straight-line statements over
// local slots (read a key, compare, call, append), so running it does the same work
// without the bookkeeping. The planner, the compiler and every built-in function are
// OPA's own; this package only executes the plan's statements, with the semantics of
// OPA's Wasm compiler (internal/compiler/wasm), which executes the same plans.
//
// A plan that uses what this package does not execute (the with keyword, dynamic calls)
// is refused by Compile, and the caller keeps OPA's evaluator for that decision.
package planeval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/ir"
)

// Program is a set of planned entrypoints, ready to evaluate. It holds no state
// between evaluations and is safe for concurrent use.
type Program struct {
	plans   map[string]*block // entrypoint ("numgate/activation/decision") → its plan
	funcs   []*function
	byPath  map[string]*function // the functions of rules, by data path, for dynamic calls
	strings []*ast.Term
	files   []string
}

// ErrUnsupported is returned (wrapped) by Compile when a plan uses a statement this
// package does not execute.
var ErrUnsupported = errors.New("plan uses a statement planeval does not execute")

// Compile plans the entrypoints (rule paths such as "numgate/activation/decision") of
// the modules (by file name) with OPA's compiler and planner, and prepares the plans for
// evaluation.
func Compile(ctx context.Context, modules map[string]*ast.Module, entrypoints ...string) (*Program, error) {
	b := &bundle.Bundle{Data: map[string]any{}}
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := modules[name]
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: name, Path: name, Parsed: m})
	}
	c := compile.New().
		WithTarget(compile.TargetPlan).
		WithEntrypoints(entrypoints...).
		WithBundle(b). // and no output: the plan is read from the bundle, not written out
		WithRegoVersion(ast.RegoV1)
	if err := c.Build(ctx); err != nil {
		return nil, fmt.Errorf("planning %v: %w", entrypoints, err)
	}
	out := c.Bundle()
	if out == nil || len(out.PlanModules) == 0 {
		return nil, fmt.Errorf("planning %v: the compiler produced no plan", entrypoints)
	}
	var policy ir.Policy
	if err := json.Unmarshal(out.PlanModules[0].Raw, &policy); err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	return newProgram(&policy)
}

func newProgram(p *ir.Policy) (*Program, error) {
	prog := &Program{plans: map[string]*block{}, byPath: map[string]*function{}}
	if p.Static != nil {
		for _, s := range p.Static.Strings {
			prog.strings = append(prog.strings, ast.StringTerm(s.Value))
		}
		for _, f := range p.Static.Files {
			prog.files = append(prog.files, f.Value)
		}
	}
	l := &lowering{prog: prog, funcIndex: map[string]int{}}
	if p.Funcs != nil {
		for i, f := range p.Funcs.Funcs {
			l.funcIndex[f.Name] = i
			fn := &function{index: i}
			prog.funcs = append(prog.funcs, fn)
			if f.Path != nil {
				prog.byPath[pathKey(f.Path)] = fn
			}
		}
		for i, f := range p.Funcs.Funcs {
			if err := l.function(prog.funcs[i], f); err != nil {
				return nil, fmt.Errorf("function %s: %w", f.Name, err)
			}
		}
	}
	if p.Plans != nil {
		for _, pl := range p.Plans.Plans {
			b, err := l.plan(pl)
			if err != nil {
				return nil, fmt.Errorf("plan %s: %w", pl.Name, err)
			}
			prog.plans[pl.Name] = b
		}
	}
	return prog, nil
}

// Eval evaluates an entrypoint with the input and the data document and returns its
// value; defined is false when the rule is undefined for this input. now is what
// time-reading built-ins see. Errors are those OPA's evaluator would return: conflicts
// (a complete rule with two values), built-ins that halt, and cancellation.
func (p *Program) Eval(ctx context.Context, entrypoint string, input, data ast.Value, now *ast.Term) (value ast.Value, defined bool, err error) {
	plan, ok := p.plans[entrypoint]
	if !ok {
		return nil, false, fmt.Errorf("entrypoint %q was not planned", entrypoint)
	}
	m := &machine{
		ctx:   ctx,
		memo:  make([]*ast.Term, len(p.funcs)),
		memod: make([]bool, len(p.funcs)),
		bctx:  newBuiltinContext(ctx, now),
	}
	f := &frame{locals: m.slots(plan.locals)}
	f.locals[ir.Input] = ast.NewTerm(input)
	f.locals[ir.Data] = ast.NewTerm(data)
	if _, err := m.run(f, plan.stmts); err != nil {
		return nil, false, err
	}
	if m.result == nil {
		return nil, false, nil
	}
	// The plan adds {"result": value} to its result set, as OPA's query "result = ref".
	obj, ok := m.result.Value.(ast.Object)
	if !ok {
		return nil, false, fmt.Errorf("plan %s: unexpected result %v", entrypoint, m.result)
	}
	v := obj.Get(resultKey)
	if v == nil {
		return nil, false, nil
	}
	return v.Value, true, nil
}

var resultKey = ast.StringTerm("result")

func pathKey(path []string) string { return strings.Join(path, "\x00") }
