package planeval

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/ir"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// lowering turns the planner's statements into this package's, resolving names (called
// functions, built-ins, string constants) once so that evaluation only indexes slices.
// The first statement that cannot be run exactly is kept as the refusal of the function
// or plan being lowered (the rest of it is still lowered, so its calls are known); the
// helpers return zero values after it, so each statement is lowered in one expression.
type lowering struct {
	prog      *Program
	funcIndex map[string]int

	// Of the function or plan being lowered:
	maxLocal int          // highest local slot, so a frame can be one slice
	refusal  *Refusal     // the first statement it cannot run exactly
	calls    []int        // the functions it calls (by index), in order, for Refused
	base     map[int]bool // locals holding a base document read from data (see dotStmt)
	conflict string       // how OPA words a second value of this rule or function
	ret      int          // the return slot of the function being lowered; -1 in a plan
}

func (l *lowering) start(conflict string, ret int) {
	l.maxLocal, l.refusal, l.calls, l.conflict, l.ret = int(ir.Data), nil, nil, conflict, ret
	l.base = map[int]bool{int(ir.Data): true}
}

func (l *lowering) function(fn *function, f *ir.Func) {
	l.start(conflictMessage(f), int(f.Return))
	for _, p := range f.Params {
		fn.params = append(fn.params, l.loc(p))
	}
	fn.ret = l.loc(f.Return)
	// A function of input and data alone is a rule without arguments: its value is the
	// same for the whole evaluation, so it is computed once (as OPA's Wasm runtime does).
	fn.memoize = len(f.Params) == 2
	fn.body = []stmt{&blockStmt{blocks: l.blocks(f.Blocks)}}
	fn.locals = l.maxLocal + 1
}

func (l *lowering) plan(p *ir.Plan) *block {
	l.start("", -1)
	b := &block{stmts: []stmt{&blockStmt{blocks: l.blocks(p.Blocks)}}}
	b.locals = l.maxLocal + 1
	return b
}

// conflictMessage is OPA's evaluator's message for a rule or function that gets two
// values (topdown's completeDocConflictErr and functionConflictErr).
func conflictMessage(f *ir.Func) string {
	ref := ast.Ref{ast.DefaultRootDocument}
	if len(f.Path) > 1 {
		for _, p := range f.Path[1:] { // Path[0] is the planner's "g0"
			ref = append(ref, ast.StringTerm(p))
		}
	}
	if len(f.Params) > 2 {
		return "function " + ref.String() + " produced conflicting values for the same inputs"
	}
	return "rule " + ref.String() + " produced conflicting values"
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
		st := l.stmt(s)
		if st == nil {
			st = unrunnable{} // refused: Refused keeps every entrypoint that reaches it from running
		}
		out = append(out, st)
	}
	return out
}

// loc records that a local slot is used, so that a frame can be one slice of the
// right length.
func (l *lowering) loc(x ir.Local) int {
	l.maxLocal = max(l.maxLocal, int(x))
	return int(x)
}

// refuse keeps the first reason the function or plan cannot be run exactly.
func (l *lowering) refuse(s ir.Stmt, reason string) {
	if l.refusal == nil {
		l.refusal = &Refusal{Position: l.where(s), Reason: reason}
	}
}

func (l *lowering) operand(s ir.Stmt, o ir.Operand) operand {
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
		l.refuse(s, fmt.Sprintf("malformed plan: string constant %d out of range", v))
		return operand{}
	}
	l.refuse(s, fmt.Sprintf("operand %v", o.Value))
	return operand{}
}

func (l *lowering) operands(s ir.Stmt, os []ir.Operand) []operand {
	out := make([]operand, len(os))
	for i, o := range os {
		out[i] = l.operand(s, o)
	}
	return out
}

func (l *lowering) stmt(s ir.Stmt) stmt {
	switch s := s.(type) {
	case *ir.ReturnLocalStmt:
		l.loc(s.Source)
		return returnStmt{}
	case *ir.CallStmt:
		return l.call(s)
	case *ir.CallDynamicStmt:
		args := make([]operand, len(s.Args))
		for i, a := range s.Args {
			args[i] = operand{local: l.loc(a)}
		}
		path := l.operands(s, s.Path)
		l.calls = append(l.calls, l.prog.candidates(path)...)
		return &callDynamicStmt{path: path, args: args, result: l.loc(s.Result), funcs: l.prog.byPath}
	case *ir.BlockStmt:
		return &blockStmt{blocks: l.blocks(s.Blocks)}
	case *ir.BreakStmt:
		return breakStmt(s.Index)
	case *ir.DotStmt:
		src := l.operand(s, s.Source)
		base := src.local >= 0 && l.base[src.local]
		if base {
			l.base[int(s.Target)] = true
		}
		return &dotStmt{source: src, key: l.operand(s, s.Key), target: l.loc(s.Target), base: base}
	case *ir.LenStmt:
		return &lenStmt{source: l.operand(s, s.Source), target: l.loc(s.Target)}
	case *ir.ScanStmt:
		if l.base[int(s.Source)] {
			l.base[int(s.Value)] = true
		}
		return &scanStmt{source: l.loc(s.Source), key: l.loc(s.Key), value: l.loc(s.Value), body: l.block(s.Block)}
	case *ir.NotStmt:
		return &notStmt{body: l.block(s.Block)}
	case *ir.AssignIntStmt:
		return &assignStmt{source: constant(ast.InternedTerm(int(s.Value))), target: l.loc(s.Target)}
	case *ir.AssignVarStmt:
		return &assignStmt{source: l.operand(s, s.Source), target: l.loc(s.Target)}
	case *ir.AssignVarOnceStmt:
		return &assignOnceStmt{source: l.operand(s, s.Source), target: l.loc(s.Target), loc: l.location(s), conflict: l.conflict,
			ofRule: l.conflict != "" && int(s.Target) != l.ret}
	case *ir.ResetLocalStmt:
		return &resetStmt{target: l.loc(s.Target)}
	case *ir.MakeNullStmt:
		return &assignStmt{source: constant(ast.InternedNullTerm), target: l.loc(s.Target)}
	case *ir.MakeNumberIntStmt:
		return &assignStmt{source: constant(ast.InternedTerm(int(s.Value))), target: l.loc(s.Target)}
	case *ir.MakeNumberRefStmt:
		if s.Index >= len(l.prog.strings) {
			l.refuse(s, fmt.Sprintf("malformed plan: number constant %d out of range", s.Index))
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
		return &equalStmt{a: l.operand(s, s.A), b: l.operand(s, s.B)}
	case *ir.NotEqualStmt:
		return &equalStmt{a: l.operand(s, s.A), b: l.operand(s, s.B), not: true}
	case *ir.IsArrayStmt:
		return &isKindStmt{source: l.operand(s, s.Source), kind: kindArray}
	case *ir.IsObjectStmt:
		return &isKindStmt{source: l.operand(s, s.Source), kind: kindObject}
	case *ir.IsSetStmt:
		return &isKindStmt{source: l.operand(s, s.Source), kind: kindSet}
	case *ir.IsDefinedStmt:
		return &definedStmt{source: l.loc(s.Source), defined: true}
	case *ir.IsUndefinedStmt:
		return &definedStmt{source: l.loc(s.Source), defined: false}
	case *ir.ArrayAppendStmt:
		return &arrayAppendStmt{value: l.operand(s, s.Value), array: l.loc(s.Array)}
	case *ir.ObjectInsertStmt:
		return &objectInsertStmt{key: l.operand(s, s.Key), value: l.operand(s, s.Value), object: l.loc(s.Object)}
	case *ir.ObjectInsertOnceStmt:
		return &objectInsertStmt{key: l.operand(s, s.Key), value: l.operand(s, s.Value), object: l.loc(s.Object), once: true, loc: l.location(s)}
	case *ir.ObjectMergeStmt:
		return &objectMergeStmt{a: l.loc(s.A), b: l.loc(s.B), target: l.loc(s.Target)}
	case *ir.SetAddStmt:
		return &setAddStmt{value: l.operand(s, s.Value), set: l.loc(s.Set)}
	case *ir.NopStmt:
		return nopStmt{}
	case *ir.ResultSetAddStmt:
		return &resultAddStmt{value: l.loc(s.Value)}
	case *ir.WithStmt:
		l.refuse(s, "the with keyword")
		return nil
	}
	l.refuse(s, fmt.Sprintf("statement %T, which planeval does not know", s))
	return nil
}

// call is a call of a planned function, or of a built-in on the allow-list.
func (l *lowering) call(s *ir.CallStmt) stmt {
	args := l.operands(s, s.Args)
	if i, ok := l.funcIndex[s.Func]; ok {
		l.calls = append(l.calls, i)
		return &callStmt{fn: l.prog.funcs[i], args: args, result: l.loc(s.Result)}
	}
	if why, ok := refusedBuiltins[s.Func]; ok {
		l.refuse(s, fmt.Sprintf("built-in %s (%s)", s.Func, why))
		return nil
	}
	bi, decl := topdown.GetBuiltin(s.Func), ast.BuiltinMap[s.Func]
	switch {
	case !allowedBuiltins[s.Func]:
		l.refuse(s, fmt.Sprintf("built-in %s, which is not on planeval's allow-list", s.Func))
		return nil
	case bi == nil || decl == nil:
		l.refuse(s, fmt.Sprintf("call of %s: no such function or built-in", s.Func))
		return nil
	}
	if cancellable[s.Func] {
		l.prog.cancellable = true
	}
	return &builtinStmt{f: bi, args: args, result: l.loc(s.Result), relation: decl.Relation, void: decl.Decl.Result() == nil}
}

// where is the policy position (file:row:col) a statement was planned from.
func (l *lowering) where(s ir.Stmt) string {
	loc := l.location(s)
	if loc.File == "" {
		return fmt.Sprintf("%d:%d", loc.Row, loc.Col)
	}
	return fmt.Sprintf("%s:%d:%d", loc.File, loc.Row, loc.Col)
}

func (l *lowering) location(s ir.Stmt) *ast.Location {
	loc := s.GetLocation()
	out := &ast.Location{Row: loc.Row, Col: loc.Col}
	if loc.File >= 0 && loc.File < len(l.prog.files) {
		out.File = l.prog.files[loc.File]
	}
	return out
}
