package planeval

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// Control flow follows OPA's Wasm compiler, which gives every block a structured
// "block" and every scan a "loop": a statement that fails (undefined, unequal) leaves
// the innermost block, a BreakStmt leaves Index+1 of them. Every statement here returns
// how many enclosing blocks to leave: next (-1) to go on with the following statement,
// 0 to leave the innermost one, and so on. A return leaves the whole function.
const (
	next   = -1
	unwind = 1 << 30 // a ReturnLocalStmt: leave every block up to the function
)

type stmt interface {
	exec(m *machine, f *frame) (int, error)
}

type frame struct {
	locals []*ast.Term
}

// block is a plan's statements and how many local slots its frame needs.
type block struct {
	stmts  []stmt
	locals int
}

// function is a planned function: a rule (with input and data as its first two
// parameters) or a Rego function.
type function struct {
	params  []int
	ret     int
	locals  int
	memoize bool
	body    []stmt
	index   int
}

// machine is one evaluation.
type machine struct {
	ctx    context.Context
	memo   []*ast.Term // values of rules without arguments, by function index
	memod  []bool      // whether memo holds the rule's value (nil: undefined)
	bctx   topdown.BuiltinContext
	result *ast.Term
	steps  int
	free   []*ast.Term // where frames and argument lists are cut from
}

// slots cuts n cleared slots from the machine's free space: one allocation serves many
// calls, and everything goes when the evaluation ends.
func (m *machine) slots(n int) []*ast.Term {
	if len(m.free) < n {
		m.free = make([]*ast.Term, max(n, 1024))
	}
	s := m.free[:n:n]
	m.free = m.free[n:]
	return s
}

// checkEvery is how many calls and scan iterations pass between looks at the context.
const checkEvery = 256

func (m *machine) step() error {
	m.steps++
	if m.steps%checkEvery == 0 {
		if err := m.ctx.Err(); err != nil {
			return fmt.Errorf("evaluation cancelled: %w", err)
		}
	}
	return nil
}

func (m *machine) run(f *frame, stmts []stmt) (int, error) {
	for _, s := range stmts {
		r, err := s.exec(m, f)
		if err != nil || r != next {
			return r, err
		}
	}
	return next, nil
}

type operand struct {
	local int       // -1: a constant
	term  *ast.Term // the constant
}

func (o operand) get(f *frame) *ast.Term {
	if o.local < 0 {
		return o.term
	}
	return f.locals[o.local]
}

// ConflictError is a complete rule or object key given two different values, as OPA's
// evaluator reports it.
type ConflictError struct {
	Location string
	Message  string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: eval_conflict_error: %s", e.Location, e.Message)
}

// returnStmt leaves the function; the caller reads the value from the function's return
// slot.
type returnStmt struct{}

func (returnStmt) exec(*machine, *frame) (int, error) { return unwind, nil }

type breakStmt uint32

func (s breakStmt) exec(*machine, *frame) (int, error) { return int(s), nil }

type nopStmt struct{}

func (nopStmt) exec(*machine, *frame) (int, error) { return next, nil }

type blockStmt struct{ blocks [][]stmt }

func (s *blockStmt) exec(m *machine, f *frame) (int, error) {
	for _, b := range s.blocks {
		r, err := m.run(f, b)
		if err != nil {
			return 0, err
		}
		if r > 0 {
			return r - 1, nil
		}
	}
	return next, nil
}

type scanStmt struct {
	source, key, value int
	body               []stmt
}

func (s *scanStmt) exec(m *machine, f *frame) (int, error) {
	src := f.locals[s.source]
	if src == nil {
		return next, nil
	}
	switch c := src.Value.(type) {
	case *ast.Array:
		for i := range c.Len() {
			if r, err := s.iteration(m, f, ast.InternedTerm(i), c.Elem(i)); err != nil || r != next {
				return s.after(r, err)
			}
		}
	case ast.Object:
		for _, k := range c.Keys() {
			if r, err := s.iteration(m, f, k, c.Get(k)); err != nil || r != next {
				return s.after(r, err)
			}
		}
	case ast.Set:
		for _, e := range c.Slice() {
			if r, err := s.iteration(m, f, e, e); err != nil || r != next {
				return s.after(r, err)
			}
		}
	}
	return next, nil
}

// iteration runs the body for one element. The body sits inside the scan's loop, inside
// the scan's block: leaving one block (0) goes on with the next element, leaving two (1)
// ends the scan, more leave blocks around the scan.
func (s *scanStmt) iteration(m *machine, f *frame, k, v *ast.Term) (int, error) {
	if err := m.step(); err != nil {
		return 0, err
	}
	f.locals[s.key], f.locals[s.value] = k, v
	r, err := m.run(f, s.body)
	if err != nil || r <= 0 {
		return next, err
	}
	return r, nil
}

func (s *scanStmt) after(r int, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	if r == 1 {
		return next, nil
	}
	return r - 2, nil
}

// errMalformed is a plan that builds on a local it never set: the planner does not emit
// one, so it is reported instead of evaluated.
var errMalformed = errors.New("malformed plan: a statement reads an undefined local")

type notStmt struct{ body []stmt }

func (s *notStmt) exec(m *machine, f *frame) (int, error) {
	r, err := m.run(f, s.body)
	switch {
	case err != nil:
		return 0, err
	case r == next:
		return 0, nil // the negated body held: fail
	case r == 0:
		return next, nil
	}
	return r - 1, nil
}

type callStmt struct {
	fn     *function
	args   []operand
	result int
}

func (s *callStmt) exec(m *machine, f *frame) (int, error) {
	fn := s.fn
	if fn.memoize && m.memod[fn.index] {
		if v := m.memo[fn.index]; v != nil {
			f.locals[s.result] = v
			return next, nil
		}
		return 0, nil
	}
	if err := m.step(); err != nil {
		return 0, err
	}
	callee := &frame{locals: m.slots(fn.locals)}
	for i, p := range fn.params {
		callee.locals[p] = s.args[i].get(f)
	}
	if _, err := m.run(callee, fn.body); err != nil {
		return 0, err
	}
	out := callee.locals[fn.ret]
	if fn.memoize {
		m.memod[fn.index] = true
		m.memo[fn.index] = out
	}
	if out == nil {
		return 0, nil
	}
	f.locals[s.result] = out
	return next, nil
}

// callDynamicStmt calls the rule a path names, where part of the path is only known
// at evaluation (refusal[code]). The planner nests it so that a path naming no rule leaves
// one block (the planner then reads the path from data instead) and a rule that is
// undefined leaves four (the whole reference is undefined).
type callDynamicStmt struct {
	path   []operand
	args   []operand
	result int
	funcs  map[string]*function
}

func (s *callDynamicStmt) exec(m *machine, f *frame) (int, error) {
	parts := make([]string, len(s.path))
	for i, p := range s.path {
		t := p.get(f)
		if t == nil {
			return 0, nil
		}
		str, ok := t.Value.(ast.String)
		if !ok {
			return 0, nil
		}
		parts[i] = string(str)
	}
	fn, ok := s.funcs[pathKey(parts)]
	if !ok {
		return 0, nil
	}
	call := callStmt{fn: fn, args: s.args, result: s.result}
	r, err := call.exec(m, f)
	if err != nil {
		return 0, err
	}
	if r != next {
		return 3, nil
	}
	return next, nil
}

type builtinStmt struct {
	f      topdown.BuiltinFunc
	args   []operand
	result int
}

func (s *builtinStmt) exec(m *machine, f *frame) (int, error) {
	args := m.slots(len(s.args))
	for i, a := range s.args {
		if args[i] = a.get(f); args[i] == nil {
			return 0, nil
		}
	}
	var out *ast.Term
	err := s.f(m.bctx, args, func(t *ast.Term) error {
		out = t
		return nil
	})
	if err != nil {
		// As OPA's evaluator without strict built-in errors: a failing built-in is
		// undefined, unless it halts evaluation.
		var h topdown.Halt
		if errors.As(err, &h) {
			return 0, h.Err
		}
		return 0, nil
	}
	if out == nil {
		return 0, nil
	}
	f.locals[s.result] = out
	return next, nil
}

type dotStmt struct {
	source, key operand
	target      int
}

func (s *dotStmt) exec(_ *machine, f *frame) (int, error) {
	src, key := s.source.get(f), s.key.get(f)
	if src == nil || key == nil {
		return 0, nil
	}
	var v *ast.Term
	switch c := src.Value.(type) {
	case ast.Object:
		v = c.Get(key)
	case *ast.Array:
		v = c.Get(key)
	case ast.Set:
		if c.Contains(key) {
			v = key
		}
	}
	if v == nil {
		return 0, nil
	}
	f.locals[s.target] = v
	return next, nil
}

type lenStmt struct {
	source operand
	target int
}

func (s *lenStmt) exec(_ *machine, f *frame) (int, error) {
	src := s.source.get(f)
	if src == nil {
		return 0, nil
	}
	var n int
	switch c := src.Value.(type) {
	case ast.Object:
		n = c.Len()
	case *ast.Array:
		n = c.Len()
	case ast.Set:
		n = c.Len()
	case ast.String:
		n = utf8.RuneCountInString(string(c))
	default:
		return 0, nil
	}
	f.locals[s.target] = ast.InternedTerm(n)
	return next, nil
}

type assignStmt struct {
	source operand
	target int
}

func (s *assignStmt) exec(_ *machine, f *frame) (int, error) {
	f.locals[s.target] = s.source.get(f)
	return next, nil
}

type assignOnceStmt struct {
	source operand
	target int
	loc    string
}

func (s *assignOnceStmt) exec(_ *machine, f *frame) (int, error) {
	v := s.source.get(f)
	if v == nil {
		return 0, nil
	}
	if cur := f.locals[s.target]; cur != nil {
		if ast.Compare(cur.Value, v.Value) != 0 {
			return 0, &ConflictError{Location: s.loc, Message: "complete rules must not produce multiple outputs"}
		}
		return next, nil
	}
	f.locals[s.target] = v
	return next, nil
}

type resetStmt struct{ target int }

func (s *resetStmt) exec(_ *machine, f *frame) (int, error) {
	f.locals[s.target] = nil
	return next, nil
}

type makeArrayStmt struct{ capacity, target int }

func (s *makeArrayStmt) exec(_ *machine, f *frame) (int, error) {
	f.locals[s.target] = ast.NewTerm(ast.NewArrayWithCapacity(s.capacity))
	return next, nil
}

type makeObjectStmt struct{ target int }

func (s *makeObjectStmt) exec(_ *machine, f *frame) (int, error) {
	f.locals[s.target] = ast.NewTerm(ast.NewObject())
	return next, nil
}

type makeSetStmt struct{ target int }

func (s *makeSetStmt) exec(_ *machine, f *frame) (int, error) {
	f.locals[s.target] = ast.NewTerm(ast.NewSet())
	return next, nil
}

type equalStmt struct {
	a, b operand
	not  bool
}

func (s *equalStmt) exec(_ *machine, f *frame) (int, error) {
	a, b := s.a.get(f), s.b.get(f)
	if a == nil || b == nil {
		return 0, nil
	}
	if (ast.Compare(a.Value, b.Value) == 0) == s.not {
		return 0, nil
	}
	return next, nil
}

type valueKind int

const (
	kindArray valueKind = iota
	kindObject
	kindSet
)

type isKindStmt struct {
	source operand
	kind   valueKind
}

func (s *isKindStmt) exec(_ *machine, f *frame) (int, error) {
	src := s.source.get(f)
	if src == nil {
		return 0, nil
	}
	var ok bool
	switch src.Value.(type) {
	case *ast.Array:
		ok = s.kind == kindArray
	case ast.Object:
		ok = s.kind == kindObject
	case ast.Set:
		ok = s.kind == kindSet
	}
	if !ok {
		return 0, nil
	}
	return next, nil
}

type definedStmt struct {
	source  int
	defined bool
}

func (s *definedStmt) exec(_ *machine, f *frame) (int, error) {
	if (f.locals[s.source] != nil) != s.defined {
		return 0, nil
	}
	return next, nil
}

// The planner builds a collection in a fresh local and fills it before anything else
// reads it, so the statements below change it in place, as OPA's Wasm runtime does.

type arrayAppendStmt struct {
	value operand
	array int
}

func (s *arrayAppendStmt) exec(_ *machine, f *frame) (int, error) {
	t, v := f.locals[s.array], s.value.get(f)
	if t == nil || v == nil {
		return 0, errMalformed
	}
	arr, ok := t.Value.(*ast.Array)
	if !ok {
		return 0, fmt.Errorf("array append to a %s: %w", ast.ValueName(t.Value), errMalformed)
	}
	t.Value = arr.Append(v)
	return next, nil
}

type objectInsertStmt struct {
	key, value operand
	object     int
	once       bool
	loc        string
}

func (s *objectInsertStmt) exec(_ *machine, f *frame) (int, error) {
	t, k, v := f.locals[s.object], s.key.get(f), s.value.get(f)
	if t == nil || k == nil || v == nil {
		return 0, errMalformed
	}
	obj, ok := t.Value.(ast.Object)
	if !ok {
		return 0, fmt.Errorf("object insert into a %s: %w", ast.ValueName(t.Value), errMalformed)
	}
	if s.once {
		if cur := obj.Get(k); cur != nil {
			if ast.Compare(cur.Value, v.Value) != 0 {
				return 0, &ConflictError{Location: s.loc, Message: "object keys must be unique"}
			}
			return next, nil
		}
	}
	obj.Insert(k, v)
	return next, nil
}

type objectMergeStmt struct{ a, b, target int }

func (s *objectMergeStmt) exec(_ *machine, f *frame) (int, error) {
	ta, tb := f.locals[s.a], f.locals[s.b]
	if ta == nil || tb == nil {
		return 0, errMalformed
	}
	a, aok := ta.Value.(ast.Object)
	b, bok := tb.Value.(ast.Object)
	if !aok || !bok {
		f.locals[s.target] = nil
		return next, nil
	}
	merged, ok := a.Merge(b)
	if !ok {
		f.locals[s.target] = nil
		return next, nil
	}
	f.locals[s.target] = ast.NewTerm(merged)
	return next, nil
}

type setAddStmt struct {
	value operand
	set   int
}

func (s *setAddStmt) exec(_ *machine, f *frame) (int, error) {
	t, v := f.locals[s.set], s.value.get(f)
	if t == nil || v == nil {
		return 0, errMalformed
	}
	set, ok := t.Value.(ast.Set)
	if !ok {
		return 0, fmt.Errorf("set add to a %s: %w", ast.ValueName(t.Value), errMalformed)
	}
	set.Add(v)
	return next, nil
}

type resultAddStmt struct{ value int }

func (s *resultAddStmt) exec(m *machine, f *frame) (int, error) {
	v := f.locals[s.value]
	if v == nil {
		return 0, errMalformed
	}
	if m.result != nil && ast.Compare(m.result.Value, v.Value) != 0 {
		return 0, &ConflictError{Message: "the query has more than one result"}
	}
	m.result = v
	return next, nil
}

func newBuiltinContext(ctx context.Context, now *ast.Term) topdown.BuiltinContext {
	return topdown.BuiltinContext{
		Context: ctx,
		Time:    now,
		Metrics: metrics.NoOp(),
		Cache:   builtins.Cache{},
	}
}
