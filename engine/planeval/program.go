package planeval

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/compile"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Program is a set of planned entrypoints, ready to evaluate. It holds no state
// between evaluations and is safe for concurrent use.
type Program struct {
	plans    map[string]*block    // entrypoint ("numgate/activation/decision") → its plan
	refusals map[string]*Refusal  // entrypoint → why it is not run from its plan
	funcs    []*function          // by index
	calls    [][]int              // the functions each function calls, by index
	refused  []*Refusal           // why each function cannot be run, by index; nil: it can
	paths    [][]string           // each function's rule path, by index (nil: none)
	entries  map[string][]int     // the functions each plan calls, by entrypoint
	byPath   map[string]*function // the functions of rules, by data path, for dynamic calls
	strings  []*ast.Term
	files    []string

	capabilities *ast.Capabilities // what OPA's evaluator gives built-ins (json.match_schema reads it)
	cancellable  bool              // a plan calls a built-in that listens for cancellation
	stacks       stacks            // evaluation stacks, reused
}

// Compile plans the entrypoints (rule paths such as "numgate/activation/decision") of
// the modules (by file name) with OPA's compiler and planner, and prepares the plans for
// evaluation. An entrypoint that cannot be run exactly is not an error: Refused says why,
// and the others run. The error is for what leaves nothing to run (a plan OPA's planner
// wrote and this package cannot read).
func Compile(ctx context.Context, modules map[string]*ast.Module, entrypoints ...string) (*Program, error) {
	refusals := map[string]*Refusal{}
	policy, err := plan(ctx, modules, entrypoints)
	if err != nil {
		// One entrypoint's rules stop OPA's planner: find which, alone, and plan the
		// others together.
		var ok []string
		for _, ep := range entrypoints {
			if _, err := plan(ctx, modules, []string{ep}); err != nil {
				refusals[ep] = plannerRefusal(err)
				continue
			}
			ok = append(ok, ep)
		}
		policy = &ir.Policy{}
		if len(ok) > 0 {
			if policy, err = plan(ctx, modules, ok); err != nil {
				return nil, err
			}
		}
	}
	prog, err := newProgram(policy, refusals)
	if err != nil {
		return nil, err
	}
	prog.refuseWith(modules)
	prog.resolveRefusals()
	return prog, nil
}

// plan runs OPA's compiler and planner (target plan) and reads the plan from the
// compiled bundle without writing it out.
func plan(ctx context.Context, modules map[string]*ast.Module, entrypoints []string) (*ir.Policy, error) {
	b := &bundle.Bundle{Data: map[string]any{}}
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		b.Modules = append(b.Modules, bundle.ModuleFile{URL: name, Path: name, Parsed: modules[name]})
	}
	c := compile.New().
		WithTarget(compile.TargetPlan).
		WithEntrypoints(entrypoints...).
		WithBundle(b).
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
	return &policy, nil
}

func newProgram(p *ir.Policy, refusals map[string]*Refusal) (*Program, error) {
	prog := &Program{plans: map[string]*block{}, refusals: refusals, byPath: map[string]*function{},
		entries: map[string][]int{}, capabilities: ast.CapabilitiesForThisVersion()}
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
			prog.paths = append(prog.paths, f.Path)
			if f.Path != nil {
				prog.byPath[pathKey(f.Path)] = fn
			}
		}
		prog.calls = make([][]int, len(prog.funcs))
		prog.refused = make([]*Refusal, len(prog.funcs))
		for i, f := range p.Funcs.Funcs {
			l.function(prog.funcs[i], f)
			prog.calls[i], prog.refused[i] = l.calls, l.refusal
		}
	}
	if p.Plans != nil {
		for _, pl := range p.Plans.Plans {
			prog.plans[pl.Name] = l.plan(pl)
			if l.refusal != nil {
				prog.refusals[pl.Name] = l.refusal
			}
			prog.entries[pl.Name] = l.calls
		}
	}
	return prog, nil
}

// Refused says why an entrypoint is decided by OPA's evaluator rather than from its
// plan, at the policy position of what this package does not run exactly; nil when its
// plan runs. An entrypoint that was never planned is refused too.
func (p *Program) Refused(entrypoint string) *Refusal {
	if r, ok := p.refusals[entrypoint]; ok {
		return r
	}
	if _, ok := p.plans[entrypoint]; !ok {
		return &Refusal{Reason: fmt.Sprintf("entrypoint %q was not planned", entrypoint)}
	}
	return nil
}

// Eval evaluates an entrypoint with the input (nil: no input) and the data document and
// returns its value; defined is false when the rule is undefined for this input. Errors
// are those OPA's evaluator would return: conflicts (a complete rule with two values),
// built-ins that halt, and cancellation; and the refusal of an entrypoint not run.
func (p *Program) Eval(ctx context.Context, entrypoint string, input, data ast.Value, env Env) (value ast.Value, defined bool, err error) {
	if r := p.Refused(entrypoint); r != nil {
		return nil, false, r
	}
	plan := p.plans[entrypoint]
	m := &machine{
		ctx:   ctx,
		memo:  make([]*ast.Term, len(p.funcs)),
		memod: make([]bool, len(p.funcs)),
		bctx:  p.builtinContext(ctx, env),
		stack: p.stacks.get(),
	}
	defer m.done(&p.stacks)
	m.iter = m.builtinResult
	if p.cancellable {
		// As OPA's evaluator: a built-in that runs long stops when the context ends.
		c := topdown.NewCancel()
		stop := context.AfterFunc(ctx, c.Cancel)
		defer stop()
		m.bctx.Cancel = c
	}
	f := &frame{locals: m.slots(plan.locals)}
	if input != nil { // undefined input is an empty local, as in OPA's Wasm runtime
		f.locals[ir.Input] = ast.NewTerm(input)
	}
	f.locals[ir.Data] = ast.NewTerm(data)
	_, err = m.run(f, plan.stmts)
	m.release(f.locals)
	if err != nil {
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
