package planeval

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// lowering turns the planner's statements into this package's, resolving names (called
// functions, built-ins, string constants) once so that evaluation only indexes slices.
type lowering struct {
	prog      *Program
	funcIndex map[string]int
	maxLocal  int // highest local slot of the function or plan being lowered
}

func (l *lowering) function(fn *function, f *ir.Func) error {
	l.maxLocal = int(ir.Data)
	for _, p := range f.Params {
		fn.params = append(fn.params, l.loc(p))
	}
	fn.ret = l.loc(f.Return)
	// A function of input and data alone is a rule without arguments: its value is the
	// same for the whole evaluation, so it is computed once (as OPA's Wasm runtime does).
	fn.memoize = len(f.Params) == 2
	blocks, err := l.blocks(f.Blocks)
	if err != nil {
		return err
	}
	fn.body = []stmt{&blockStmt{blocks: blocks}}
	fn.locals = l.maxLocal + 1
	return nil
}

func (l *lowering) blocks(bs []*ir.Block) ([][]stmt, error) {
	out := make([][]stmt, 0, len(bs))
	for _, b := range bs {
		s, err := l.block(b)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (l *lowering) block(b *ir.Block) ([]stmt, error) {
	out := make([]stmt, 0, len(b.Stmts))
	for _, s := range b.Stmts {
		ls, err := l.stmt(s)
		if err != nil {
			return nil, err
		}
		out = append(out, ls)
	}
	return out, nil
}

func (l *lowering) operand(o ir.Operand) (operand, error) {
	val := o.Value
	// A plan read from JSON holds its operands by pointer; one built in memory, by value.
	switch v := val.(type) {
	case *ir.Local:
		val = *v
	case *ir.Bool:
		val = *v
	case *ir.StringIndex:
		val = *v
	}
	switch v := val.(type) {
	case ir.Local:
		return operand{local: l.loc(v)}, nil
	case ir.Bool:
		return operand{local: -1, term: ast.InternedTerm(bool(v))}, nil
	case ir.StringIndex:
		if int(v) >= len(l.prog.strings) {
			return operand{}, fmt.Errorf("string constant %d out of range", v)
		}
		return operand{local: -1, term: l.prog.strings[v]}, nil
	}
	return operand{}, fmt.Errorf("operand %v: %w", o.Value, ErrUnsupported)
}

func (l *lowering) operands(os []ir.Operand) ([]operand, error) {
	out := make([]operand, len(os))
	for i, o := range os {
		var err error
		if out[i], err = l.operand(o); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *lowering) stmt(s ir.Stmt) (stmt, error) {
	switch s := s.(type) {
	case *ir.ReturnLocalStmt:
		l.loc(s.Source)
		return returnStmt{}, nil
	case *ir.CallStmt:
		args, err := l.operands(s.Args)
		if err != nil {
			return nil, err
		}
		if i, ok := l.funcIndex[s.Func]; ok {
			return &callStmt{fn: l.prog.funcs[i], args: args, result: l.loc(s.Result)}, nil
		}
		bi := topdown.GetBuiltin(s.Func)
		if bi == nil {
			return nil, fmt.Errorf("call of %s: no such function or built-in: %w", s.Func, ErrUnsupported)
		}
		return &builtinStmt{f: bi, args: args, result: l.loc(s.Result)}, nil
	case *ir.CallDynamicStmt:
		path, err := l.operands(s.Path)
		if err != nil {
			return nil, err
		}
		args := make([]operand, len(s.Args))
		for i, a := range s.Args {
			args[i] = operand{local: l.loc(a)}
		}
		return &callDynamicStmt{path: path, args: args, result: l.loc(s.Result), funcs: l.prog.byPath}, nil
	case *ir.BlockStmt:
		blocks, err := l.blocks(s.Blocks)
		if err != nil {
			return nil, err
		}
		return &blockStmt{blocks: blocks}, nil
	case *ir.BreakStmt:
		return breakStmt(s.Index), nil
	case *ir.DotStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		key, err := l.operand(s.Key)
		if err != nil {
			return nil, err
		}
		return &dotStmt{source: src, key: key, target: l.loc(s.Target)}, nil
	case *ir.LenStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &lenStmt{source: src, target: l.loc(s.Target)}, nil
	case *ir.ScanStmt:
		body, err := l.block(s.Block)
		if err != nil {
			return nil, err
		}
		return &scanStmt{source: l.loc(s.Source), key: l.loc(s.Key), value: l.loc(s.Value), body: body}, nil
	case *ir.NotStmt:
		body, err := l.block(s.Block)
		if err != nil {
			return nil, err
		}
		return &notStmt{body: body}, nil
	case *ir.AssignIntStmt:
		return &assignStmt{source: operand{local: -1, term: ast.InternedTerm(int(s.Value))}, target: l.loc(s.Target)}, nil
	case *ir.AssignVarStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &assignStmt{source: src, target: l.loc(s.Target)}, nil
	case *ir.AssignVarOnceStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &assignOnceStmt{source: src, target: l.loc(s.Target), loc: location(l.prog, s.Location)}, nil
	case *ir.ResetLocalStmt:
		return &resetStmt{target: l.loc(s.Target)}, nil
	case *ir.MakeNullStmt:
		return &assignStmt{source: operand{local: -1, term: ast.InternedNullTerm}, target: l.loc(s.Target)}, nil
	case *ir.MakeNumberIntStmt:
		return &assignStmt{source: operand{local: -1, term: ast.InternedTerm(int(s.Value))}, target: l.loc(s.Target)}, nil
	case *ir.MakeNumberRefStmt:
		if s.Index >= len(l.prog.strings) {
			return nil, fmt.Errorf("number constant %d out of range", s.Index)
		}
		n := ast.Number(l.prog.strings[s.Index].Value.(ast.String))
		return &assignStmt{source: operand{local: -1, term: ast.NewTerm(n)}, target: l.loc(s.Target)}, nil
	case *ir.MakeArrayStmt:
		return &makeArrayStmt{capacity: int(s.Capacity), target: l.loc(s.Target)}, nil
	case *ir.MakeObjectStmt:
		return &makeObjectStmt{target: l.loc(s.Target)}, nil
	case *ir.MakeSetStmt:
		return &makeSetStmt{target: l.loc(s.Target)}, nil
	case *ir.EqualStmt:
		a, err := l.operand(s.A)
		if err != nil {
			return nil, err
		}
		b, err := l.operand(s.B)
		if err != nil {
			return nil, err
		}
		return &equalStmt{a: a, b: b}, nil
	case *ir.NotEqualStmt:
		a, err := l.operand(s.A)
		if err != nil {
			return nil, err
		}
		b, err := l.operand(s.B)
		if err != nil {
			return nil, err
		}
		return &equalStmt{a: a, b: b, not: true}, nil
	case *ir.IsArrayStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &isKindStmt{source: src, kind: kindArray}, nil
	case *ir.IsObjectStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &isKindStmt{source: src, kind: kindObject}, nil
	case *ir.IsSetStmt:
		src, err := l.operand(s.Source)
		if err != nil {
			return nil, err
		}
		return &isKindStmt{source: src, kind: kindSet}, nil
	case *ir.IsDefinedStmt:
		return &definedStmt{source: l.loc(s.Source), defined: true}, nil
	case *ir.IsUndefinedStmt:
		return &definedStmt{source: l.loc(s.Source), defined: false}, nil
	case *ir.ArrayAppendStmt:
		v, err := l.operand(s.Value)
		if err != nil {
			return nil, err
		}
		return &arrayAppendStmt{value: v, array: l.loc(s.Array)}, nil
	case *ir.ObjectInsertStmt:
		k, err := l.operand(s.Key)
		if err != nil {
			return nil, err
		}
		v, err := l.operand(s.Value)
		if err != nil {
			return nil, err
		}
		return &objectInsertStmt{key: k, value: v, object: l.loc(s.Object)}, nil
	case *ir.ObjectInsertOnceStmt:
		k, err := l.operand(s.Key)
		if err != nil {
			return nil, err
		}
		v, err := l.operand(s.Value)
		if err != nil {
			return nil, err
		}
		return &objectInsertStmt{key: k, value: v, object: l.loc(s.Object), once: true, loc: location(l.prog, s.Location)}, nil
	case *ir.ObjectMergeStmt:
		return &objectMergeStmt{a: l.loc(s.A), b: l.loc(s.B), target: l.loc(s.Target)}, nil
	case *ir.SetAddStmt:
		v, err := l.operand(s.Value)
		if err != nil {
			return nil, err
		}
		return &setAddStmt{value: v, set: l.loc(s.Set)}, nil
	case *ir.NopStmt:
		return nopStmt{}, nil
	case *ir.ResultSetAddStmt:
		return &resultAddStmt{value: l.loc(s.Value)}, nil
	}
	return nil, fmt.Errorf("%T: %w", s, ErrUnsupported)
}

// loc records that a local slot is used, so that a frame can be one slice of the
// right length.
func (l *lowering) loc(x ir.Local) int {
	l.maxLocal = max(l.maxLocal, int(x))
	return int(x)
}

func location(p *Program, l ir.Location) string {
	if l.File >= 0 && l.File < len(p.files) {
		return fmt.Sprintf("%s:%d:%d", p.files[l.File], l.Row, l.Col)
	}
	return fmt.Sprintf("%d:%d", l.Row, l.Col)
}
