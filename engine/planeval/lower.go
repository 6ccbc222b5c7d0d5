package planeval

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// lowering turns the planner's statements into this package's, resolving names (called
// functions, built-ins, string constants) once so that evaluation only indexes slices.
// The first problem is kept in err and ends the lowering of that function or plan; the
// helpers return zero values after it, so each statement is lowered in one expression.
type lowering struct {
	prog      *Program
	funcIndex map[string]int
	maxLocal  int // highest local slot of the function or plan being lowered
	err       error
}

func (l *lowering) function(fn *function, f *ir.Func) error {
	l.maxLocal, l.err = int(ir.Data), nil
	for _, p := range f.Params {
		fn.params = append(fn.params, l.loc(p))
	}
	fn.ret = l.loc(f.Return)
	// A function of input and data alone is a rule without arguments: its value is the
	// same for the whole evaluation, so it is computed once (as OPA's Wasm runtime does).
	fn.memoize = len(f.Params) == 2
	fn.body = []stmt{&blockStmt{blocks: l.blocks(f.Blocks)}}
	fn.locals = l.maxLocal + 1
	return l.err
}

func (l *lowering) plan(p *ir.Plan) (*block, error) {
	l.maxLocal, l.err = int(ir.Data), nil
	b := &block{stmts: []stmt{&blockStmt{blocks: l.blocks(p.Blocks)}}}
	b.locals = l.maxLocal + 1
	return b, l.err
}

func (l *lowering) blocks(bs []*ir.Block) [][]stmt {
	out := make([][]stmt, 0, len(bs))
	for _, b := range bs {
		out = append(out, l.block(b))
	}
	return out
}

func (l *lowering) block(b *ir.Block) []stmt {
	out := make([]stmt, 0, len(b.Stmts))
	for _, s := range b.Stmts {
		if l.err != nil {
			return nil
		}
		out = append(out, l.stmt(s))
	}
	return out
}

// loc records that a local slot is used, so that a frame can be one slice of the
// right length.
func (l *lowering) loc(x ir.Local) int {
	l.maxLocal = max(l.maxLocal, int(x))
	return int(x)
}

func (l *lowering) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *lowering) operand(o ir.Operand) operand {
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
		return operand{local: l.loc(v)}
	case ir.Bool:
		return constant(ast.InternedTerm(bool(v)))
	case ir.StringIndex:
		if int(v) < len(l.prog.strings) {
			return constant(l.prog.strings[v])
		}
		l.fail(fmt.Errorf("string constant %d out of range", v))
		return operand{}
	}
	l.fail(fmt.Errorf("operand %v: %w", o.Value, ErrUnsupported))
	return operand{}
}

func constant(t *ast.Term) operand { return operand{local: -1, term: t} }

func (l *lowering) operands(os []ir.Operand) []operand {
	out := make([]operand, len(os))
	for i, o := range os {
		out[i] = l.operand(o)
	}
	return out
}

func (l *lowering) stmt(s ir.Stmt) stmt {
	switch s := s.(type) {
	case *ir.ReturnLocalStmt:
		l.loc(s.Source)
		return returnStmt{}
	case *ir.CallStmt:
		args := l.operands(s.Args)
		if i, ok := l.funcIndex[s.Func]; ok {
			return &callStmt{fn: l.prog.funcs[i], args: args, result: l.loc(s.Result)}
		}
		bi := topdown.GetBuiltin(s.Func)
		if bi == nil {
			l.fail(fmt.Errorf("%s: call of %s: no such function or built-in: %w", l.where(s), s.Func, ErrUnsupported))
			return nil
		}
		return &builtinStmt{f: bi, args: args, result: l.loc(s.Result)}
	case *ir.CallDynamicStmt:
		args := make([]operand, len(s.Args))
		for i, a := range s.Args {
			args[i] = operand{local: l.loc(a)}
		}
		return &callDynamicStmt{path: l.operands(s.Path), args: args, result: l.loc(s.Result), funcs: l.prog.byPath}
	case *ir.BlockStmt:
		return &blockStmt{blocks: l.blocks(s.Blocks)}
	case *ir.BreakStmt:
		return breakStmt(s.Index)
	case *ir.DotStmt:
		return &dotStmt{source: l.operand(s.Source), key: l.operand(s.Key), target: l.loc(s.Target)}
	case *ir.LenStmt:
		return &lenStmt{source: l.operand(s.Source), target: l.loc(s.Target)}
	case *ir.ScanStmt:
		return &scanStmt{source: l.loc(s.Source), key: l.loc(s.Key), value: l.loc(s.Value), body: l.block(s.Block)}
	case *ir.NotStmt:
		return &notStmt{body: l.block(s.Block)}
	case *ir.AssignIntStmt:
		return &assignStmt{source: constant(ast.InternedTerm(int(s.Value))), target: l.loc(s.Target)}
	case *ir.AssignVarStmt:
		return &assignStmt{source: l.operand(s.Source), target: l.loc(s.Target)}
	case *ir.AssignVarOnceStmt:
		return &assignOnceStmt{source: l.operand(s.Source), target: l.loc(s.Target), loc: l.where(s)}
	case *ir.ResetLocalStmt:
		return &resetStmt{target: l.loc(s.Target)}
	case *ir.MakeNullStmt:
		return &assignStmt{source: constant(ast.InternedNullTerm), target: l.loc(s.Target)}
	case *ir.MakeNumberIntStmt:
		return &assignStmt{source: constant(ast.InternedTerm(int(s.Value))), target: l.loc(s.Target)}
	case *ir.MakeNumberRefStmt:
		if s.Index >= len(l.prog.strings) {
			l.fail(fmt.Errorf("number constant %d out of range", s.Index))
			return nil
		}
		n := ast.Number(l.prog.strings[s.Index].Value.(ast.String))
		return &assignStmt{source: constant(ast.NewTerm(n)), target: l.loc(s.Target)}
	case *ir.MakeArrayStmt:
		return &makeArrayStmt{capacity: int(s.Capacity), target: l.loc(s.Target)}
	case *ir.MakeObjectStmt:
		return &makeObjectStmt{target: l.loc(s.Target)}
	case *ir.MakeSetStmt:
		return &makeSetStmt{target: l.loc(s.Target)}
	case *ir.EqualStmt:
		return &equalStmt{a: l.operand(s.A), b: l.operand(s.B)}
	case *ir.NotEqualStmt:
		return &equalStmt{a: l.operand(s.A), b: l.operand(s.B), not: true}
	case *ir.IsArrayStmt:
		return &isKindStmt{source: l.operand(s.Source), kind: kindArray}
	case *ir.IsObjectStmt:
		return &isKindStmt{source: l.operand(s.Source), kind: kindObject}
	case *ir.IsSetStmt:
		return &isKindStmt{source: l.operand(s.Source), kind: kindSet}
	case *ir.IsDefinedStmt:
		return &definedStmt{source: l.loc(s.Source), defined: true}
	case *ir.IsUndefinedStmt:
		return &definedStmt{source: l.loc(s.Source), defined: false}
	case *ir.ArrayAppendStmt:
		return &arrayAppendStmt{value: l.operand(s.Value), array: l.loc(s.Array)}
	case *ir.ObjectInsertStmt:
		return &objectInsertStmt{key: l.operand(s.Key), value: l.operand(s.Value), object: l.loc(s.Object)}
	case *ir.ObjectInsertOnceStmt:
		return &objectInsertStmt{key: l.operand(s.Key), value: l.operand(s.Value), object: l.loc(s.Object), once: true, loc: l.where(s)}
	case *ir.ObjectMergeStmt:
		return &objectMergeStmt{a: l.loc(s.A), b: l.loc(s.B), target: l.loc(s.Target)}
	case *ir.SetAddStmt:
		return &setAddStmt{value: l.operand(s.Value), set: l.loc(s.Set)}
	case *ir.NopStmt:
		return nopStmt{}
	case *ir.ResultSetAddStmt:
		return &resultAddStmt{value: l.loc(s.Value)}
	case *ir.WithStmt:
		l.fail(fmt.Errorf("%s: the with keyword: %w", l.where(s), ErrUnsupported))
		return nil
	}
	l.fail(fmt.Errorf("%s: %T: %w", l.where(s), s, ErrUnsupported))
	return nil
}

// where is the policy position (file:row:col) a statement was planned from.
func (l *lowering) where(s ir.Stmt) string {
	loc := s.GetLocation()
	if loc.File >= 0 && loc.File < len(l.prog.files) {
		return fmt.Sprintf("%s:%d:%d", l.prog.files[loc.File], loc.Row, loc.Col)
	}
	return fmt.Sprintf("%d:%d", loc.Row, loc.Col)
}
