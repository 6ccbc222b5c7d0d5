package planeval

import (
	"fmt"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/util"
)

// The statements that read, build and compare values.

type dotStmt struct {
	source, key operand
	target      int
	// base: the source is a base document, read from data by a chain of keys. OPA's
	// evaluator reads such a reference from its store, which names every key by its
	// text: data.xs[2] is data.xs["2"] of an object, and data.xs["1"] the second element
	// of an array. A value built by the policy is looked up by value instead.
	base bool
}

func (s *dotStmt) exec(_ *machine, f *frame) (int, error) {
	src, key := s.source.get(f), s.key.get(f)
	if src == nil || key == nil {
		return 0, nil
	}
	if s.base {
		if key = storeKey(key); key == nil {
			return 0, nil
		}
	}
	var v *ast.Term
	switch c := src.Value.(type) {
	case ast.Object:
		v = c.Get(key)
	case *ast.Array:
		if str, ok := key.Value.(ast.String); ok && s.base {
			if i, ok := util.Atoi(string(str)); ok && i >= 0 && i < c.Len() {
				v = c.Elem(i)
			}
			break
		}
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

// storeKey is a key as OPA's store path names it (storage.NewPathForRef): strings as
// they are, numbers by their text; any other key names nothing in a base document.
func storeKey(key *ast.Term) *ast.Term {
	switch k := key.Value.(type) {
	case ast.String:
		return key
	case ast.Number:
		return ast.StringTerm(k.String())
	}
	return nil
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

// assignOnceStmt sets a complete rule's or a function's value; a second, different
// value is OPA's conflict error, worded as OPA words it for that rule.
type assignOnceStmt struct {
	source   operand
	target   int
	loc      *ast.Location
	conflict string
	// ofRule: the value of one rule (or else branch), not the function's return slot,
	// which a second statement fills from it; only these are listed in a conflict.
	ofRule bool
}

func (s *assignOnceStmt) exec(_ *machine, f *frame) (int, error) {
	v := s.source.get(f)
	if v == nil {
		return 0, nil
	}
	if f.collect != nil && s.ofRule {
		if err := f.collect.add(s.loc, v); err != nil {
			return 0, err
		}
	}
	if cur := f.locals[s.target]; cur != nil {
		if f.collect == nil && ast.Compare(cur.Value, v.Value) != 0 {
			return 0, &ownConflict{loc: s.loc, headline: s.conflict}
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
	loc        *ast.Location
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
				return 0, conflict(s.loc, "object keys must be unique")
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
		return 0, fmt.Errorf("the query has more than one result: %w", errMalformed)
	}
	m.result = v
	return next, nil
}
