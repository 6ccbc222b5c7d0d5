package planeval

import (
	"errors"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The statements that steer evaluation: blocks, loops, negation and calls.

// returnStmt leaves the function; the caller reads the value from the function's return
// slot.
type returnStmt struct{}

func (returnStmt) exec(*machine, *frame) (int, error) { return unwind, nil }

type breakStmt uint32

func (s breakStmt) exec(*machine, *frame) (int, error) { return int(s), nil }

// unrunnable stands where a refused statement was; no evaluation reaches it.
type unrunnable struct{}

func (unrunnable) exec(*machine, *frame) (int, error) { return 0, ErrUnsupported }

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
		// In key order, as Keys gives them, without copying the keys or looking each up.
		r, err := next, error(nil)
		c.Until(func(k, v *ast.Term) bool {
			r, err = s.iteration(m, f, k, v)
			return err != nil || r != next
		})
		if err != nil || r != next {
			return s.after(r, err)
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
	_, err := m.run(callee, fn.body)
	out := callee.locals[fn.ret]
	m.release(callee.locals)
	if err != nil {
		var own *ownConflict
		if errors.As(err, &own) {
			args := make([]*ast.Term, len(fn.params))
			for i := range fn.params {
				args[i] = s.args[i].get(f)
			}
			err = m.collectConflicts(fn, args, own)
		}
		return 0, err
	}
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
