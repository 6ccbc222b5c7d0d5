package planeval

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
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
	locals  []*ast.Term
	collect *conflicts // set while a function runs again to list its conflicting values
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
	// stack is where frames and argument lists are cut from, top its first free slot: a
	// call's frame is given back when the call returns, so one stack serves a whole
	// evaluation, and the next one (see stacks).
	stack []*ast.Term
	top   int

	// What the built-in being called gave (see builtinResult).
	iter     func(*ast.Term) error
	out      *ast.Term
	all      []*ast.Term
	relation bool
}

// stackSize is the slots of a stack: an activation decision's deepest chain of calls
// takes a few hundred.
const stackSize = 1024

// slots cuts n cleared slots from the top of the stack; when the stack is full, from a
// new one (the frames cut from the old one keep it until they return).
func (m *machine) slots(n int) []*ast.Term {
	if m.top+n > len(m.stack) {
		m.stack, m.top = make([]*ast.Term, max(n, stackSize)), 0
	}
	s := m.stack[m.top : m.top+n : m.top+n]
	m.top += n
	return s
}

// release gives back the slots last cut, cleared. Slots cut from an earlier stack, or
// not last (after an error left others cut above them), are left to the garbage
// collector.
func (m *machine) release(s []*ast.Term) {
	n := len(s)
	if n == 0 || m.top < n || &m.stack[m.top-n] != &s[0] {
		return
	}
	clear(s)
	m.top -= n
}

// stacks keeps cleared stacks between a program's evaluations.
type stacks struct{ pool sync.Pool }

func (s *stacks) get() []*ast.Term {
	if a, ok := s.pool.Get().(*[stackSize]*ast.Term); ok {
		return a[:]
	}
	return make([]*ast.Term, stackSize)
}

// done keeps the machine's stack for the next evaluation when every slot was given back.
func (m *machine) done(s *stacks) {
	if m.top == 0 && len(m.stack) == stackSize {
		s.pool.Put((*[stackSize]*ast.Term)(m.stack))
	}
	m.stack = nil
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

func constant(t *ast.Term) operand { return operand{local: -1, term: t} }

// errMalformed is a plan that builds on a local it never set: the planner does not emit
// one, so it is reported instead of evaluated.
var errMalformed = errors.New("malformed plan: a statement reads an undefined local")

// conflict is the error OPA's evaluator gives when a complete rule, a function or an
// object key gets two different values: the same code and words, so a caller (and the
// conformance suite) cannot tell which evaluator found it.
func conflict(loc *ast.Location, message string) error {
	return &topdown.Error{Code: topdown.ConflictErr, Location: loc, Message: message}
}
