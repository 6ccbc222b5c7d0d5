package policies_test

import (
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/numgate/numgate/policies"
)

// TestRulesHaveOneValue: a complete rule or function whose value depends on a variable
// bound by iteration (`some i in docs`, `docs[i]`) has as many values as the iteration
// has bindings, and OPA refuses that at evaluation with a conflict error: the server's
// 500. Two expired passports once did it (checks.rego chose "some expired document" in
// an else chain). The policies choose one value by construction (the first of a sorted
// list, a count, a comprehension); this test reads every rule and fails, at its
// position, when a value of a single-valued rule depends on an iteration.
func TestRulesHaveOneValue(t *testing.T) {
	var found []string
	err := fs.WalkDir(policies.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS(), name)
		if err != nil {
			return err
		}
		m, err := ast.ParseModuleWithOpts("policies/"+name, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return err
		}
		found = append(found, multiValued(m)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Error(f)
	}
}

// TestMultiValuedFinds holds the analysis to what it must find and what it must let be.
func TestMultiValuedFinds(t *testing.T) {
	for _, tc := range []struct {
		name, rego string
		want       int
	}{
		{"some in, value from it", `f(m) := x if { some i in m; x := i }`, 1},
		{"else chain choosing some document", `f(m) := "a" if { false } else := sprintf("%d", [i]) if { some i in m }`, 1},
		{"ref iteration", `p := d.id if { some d in input.docs }`, 1},
		{"implicit ref iteration", `p := input.docs[i].id if { input.docs[i].kind == "x" }`, 1},
		{"value through an assignment", `p := y if { some i, d in input.docs; x := d.id; y := upper(x) }`, 1},
		{"object rule key and value", `q[k] := 1 if { some k in input.keys }`, 0},
		{"object rule with a constant key", `q["a"] := v if { some v in input.vals }`, 1},
		{"boolean rule", `p if { some d in input.docs; d.kind == "x" }`, 0},
		{"comprehension", `p := [d.id | some d in input.docs]`, 0},
		{"count", `p := count([d | some d in input.docs])`, 0},
		{"first of a sorted list", `p := s[0] if { s := sort([d.id | some d in input.docs]); count(s) > 0 }`, 0},
		{"partial set", `p contains d.id if { some d in input.docs }`, 0},
		{"function argument index", `f(m, i) := m[i]`, 0},
		{"constant index", `p := input.docs[0].id`, 0},
		{"iteration that does not reach the value", `p := "yes" if { some d in input.docs; d.ok }`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := ast.MustParseModuleWithOpts("package x\n"+tc.rego, ast.ParserOptions{RegoVersion: ast.RegoV1})
			if got := multiValued(m); len(got) != tc.want {
				t.Errorf("found %d, want %d: %v", len(got), tc.want, got)
			}
		})
	}
}

// multiValued lists, as "file:row:col: rule: message", every single-valued rule of m
// (complete rules, functions and object rules, with their else branches) whose value
// depends on a variable bound by iteration in its body.
func multiValued(m *ast.Module) []string {
	var out []string
	for _, r := range m.Rules {
		if r.Head.RuleKind() == ast.MultiValue {
			continue
		}
		args := map[ast.Var]bool{}
		for _, a := range r.Head.Args {
			ast.WalkVars(a, func(v ast.Var) bool { args[v] = true; return false })
		}
		for branch := r; branch != nil; branch = branch.Else {
			if v := iteratedInValue(branch, args); v != "" {
				loc := branch.Loc()
				out = append(out, loc.String()+": "+r.Head.Ref().String()+": its value depends on "+v+
					", which an iteration binds, so the rule can have several values (an evaluation conflict); choose one value, e.g. the first of a sorted list")
			}
		}
	}
	sort.Strings(out)
	return out
}

// iteratedInValue names a variable of the rule's value (or of its reference's keys
// where the key is a constant) that the body binds by iteration, directly or through
// assignments; "" when there is none.
func iteratedInValue(r *ast.Rule, args map[ast.Var]bool) string {
	iterated := map[ast.Var]bool{}
	assigned := map[ast.Var]bool{}
	for _, e := range r.Body {
		if e.IsAssignment() || e.IsEquality() {
			outer(e.Operand(0), func(v ast.Var) { assigned[v] = true })
		}
	}
	for _, e := range r.Body {
		if sd, ok := e.Terms.(*ast.SomeDecl); ok {
			for _, s := range sd.Symbols {
				outer(s, func(v ast.Var) { iterated[v] = true })
			}
			continue
		}
		// A variable indexing a reference, bound nowhere else, iterates the collection.
		walkOuterRefs(e, func(ref ast.Ref) {
			for _, t := range ref[1:] {
				outer(t, func(v ast.Var) {
					if !args[v] && !assigned[v] && !v.IsWildcard() {
						iterated[v] = true
					}
				})
			}
		})
	}
	// Taint what is assigned from an iterated variable, until nothing changes.
	for changed := true; changed; {
		changed = false
		for _, e := range r.Body {
			if !e.IsAssignment() && !e.IsEquality() {
				continue
			}
			left, right := e.Operand(0), e.Operand(1)
			for _, pair := range [][2]*ast.Term{{left, right}, {right, left}} {
				dirty := false
				outer(pair[1], func(v ast.Var) { dirty = dirty || iterated[v] })
				if !dirty {
					continue
				}
				outer(pair[0], func(v ast.Var) {
					if !iterated[v] {
						iterated[v], changed = true, true
					}
				})
				if !e.IsEquality() {
					break // := binds only its left side
				}
			}
		}
	}
	var value []*ast.Term
	if r.Head.Value != nil {
		value = append(value, r.Head.Value)
	}
	// An object rule q[k] := v with a variable key has one value per key; a constant key
	// makes it one value, like a complete rule.
	if ref := r.Head.Ref(); len(ref) > 1 && ref[len(ref)-1].IsGround() {
		value = append(value, ref[len(ref)-1])
	} else if len(ref) > 1 {
		keyVars := map[ast.Var]bool{}
		outer(ref[len(ref)-1], func(v ast.Var) { keyVars[v] = true })
		if len(keyVars) > 0 {
			return "" // one value per key: the key is the iteration
		}
	}
	name := ""
	for _, t := range value {
		outer(t, func(v ast.Var) {
			if iterated[v] && name == "" {
				name = string(v)
			}
		})
	}
	return name
}

// outer calls f for every variable of t outside comprehensions, whose variables are
// their own.
func outer(t *ast.Term, f func(ast.Var)) {
	vis := ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case *ast.ArrayComprehension, *ast.SetComprehension, *ast.ObjectComprehension:
			return true
		case ast.Var:
			f(x)
		}
		return false
	})
	vis.Walk(t)
}

// walkOuterRefs calls f for every reference of e outside comprehensions.
func walkOuterRefs(e *ast.Expr, f func(ast.Ref)) {
	vis := ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case *ast.ArrayComprehension, *ast.SetComprehension, *ast.ObjectComprehension:
			return true
		case ast.Ref:
			f(x)
		}
		return false
	})
	vis.Walk(e)
}
