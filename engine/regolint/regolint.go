// Package regolint finds what OPA's compiler accepts in numgate's policies but a
// decision would fail on: a single-valued rule that can have several values (OPA
// refuses that at evaluation with a conflict error, which a decision can only answer as
// an error), and a package outside data.numgate, which would overlay the data documents
// (data.countries, data.product, …) the policies read. The loader refuses both at their
// file:line:column, so `numgate check` and a reload catch them before a decision does.
package regolint

import (
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Finding is one problem at its place in a policy file.
type Finding struct {
	Location *ast.Location
	Message  string
}

// Check reads the policy modules (tests excluded) and returns what it finds, sorted by
// place.
func Check(modules map[string]*ast.Module) []Finding {
	var out []Finding
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := modules[n]
		out = append(out, outsideNumgate(m)...)
		out = append(out, multiValued(m)...)
	}
	out = append(out, conflictingDefinitions(modules, names)...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Location, out[j].Location
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return a.Col < b.Col
	})
	return out
}

// outsideNumgate refuses a package outside data.numgate: the rest of data is the
// documents numgate loads from the country and policy-data files.
func outsideNumgate(m *ast.Module) []Finding {
	path := m.Package.Path
	if len(path) >= 2 && path[1].Equal(ast.StringTerm("numgate")) {
		return nil
	}
	name := strings.TrimPrefix(path.String(), "data.")
	return []Finding{{Location: m.Package.Location, Message: "package " + name +
		": the policies live under package numgate (e.g. numgate." + name + "); the rest of data is the documents numgate loads from the country and policy-data files, which this package would overlay"}}
}

// conflictingDefinitions finds a complete rule defined more than once where one
// definition always has a value (no condition, or an else chain ending without one) and
// another may give a different value: whenever the other's body holds, the two conflict.
// A fallback belongs in a default rule or at the end of one else chain.
func conflictingDefinitions(modules map[string]*ast.Module, names []string) []Finding {
	byRef := map[string][]*ast.Rule{}
	var order []string
	for _, n := range names {
		m := modules[n]
		for _, r := range m.Rules {
			if r.Default || len(r.Head.Args) > 0 || r.Head.RuleKind() != ast.SingleValue || !r.Head.Ref().IsGround() {
				continue
			}
			key := m.Package.Path.Extend(r.Head.Ref().GroundPrefix()).String()
			if _, seen := byRef[key]; !seen {
				order = append(order, key)
			}
			byRef[key] = append(byRef[key], r)
		}
	}
	var out []Finding
	for _, key := range order {
		defs := byRef[key]
		if len(defs) < 2 {
			continue
		}
		for _, always := range defs {
			if !alwaysDefined(always) {
				continue
			}
			for _, other := range defs {
				if other == always || sameConstantValues(always, other) {
					continue
				}
				out = append(out, Finding{Location: other.Loc(), Message: key + " is also defined at " + always.Loc().String() +
					", which always gives it a value: this definition conflicts with it (an evaluation error) whenever its body holds; make the fallback a default rule, or join them in one else chain"})
			}
			break
		}
	}
	return out
}

// alwaysDefined says whether a rule has a value whatever the input: its body, or an else
// branch's, is empty (true).
func alwaysDefined(r *ast.Rule) bool {
	for b := r; b != nil; b = b.Else {
		if len(b.Body) == 1 && b.Body[0].Equal(ast.NewExpr(ast.BooleanTerm(true))) {
			return true
		}
	}
	return false
}

// sameConstantValues says whether every branch of both rules gives one and the same
// constant value, which OPA accepts from several definitions.
func sameConstantValues(a, b *ast.Rule) bool {
	var v *ast.Term
	for _, r := range []*ast.Rule{a, b} {
		for br := r; br != nil; br = br.Else {
			if br.Head.Value == nil || !br.Head.Value.IsGround() || (v != nil && !v.Equal(br.Head.Value)) {
				return false
			}
			v = br.Head.Value
		}
	}
	return true
}

// multiValued finds every single-valued rule of m (complete rules, functions and object
// rules, with their else branches) whose value depends on a variable bound by iteration
// in its body.
func multiValued(m *ast.Module) []Finding {
	var out []Finding
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
				out = append(out, Finding{Location: branch.Loc(), Message: r.Head.Ref().String() + ": its value depends on " + v +
					", which an iteration binds, so the rule can have several values (an evaluation conflict); choose one value, e.g. the first of a sorted list"})
			}
		}
	}
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
	walkOutside(t, func(x any) {
		if v, ok := x.(ast.Var); ok {
			f(v)
		}
	})
}

// walkOuterRefs calls f for every reference of e outside comprehensions.
func walkOuterRefs(e *ast.Expr, f func(ast.Ref)) {
	walkOutside(e, func(x any) {
		if r, ok := x.(ast.Ref); ok {
			f(r)
		}
	})
}

// walkOutside calls f for every node of x that is not inside a comprehension.
func walkOutside(x any, f func(any)) {
	ast.NewGenericVisitor(func(n any) bool {
		switch n.(type) {
		case *ast.ArrayComprehension, *ast.SetComprehension, *ast.ObjectComprehension:
			return true
		}
		f(n)
		return false
	}).Walk(x)
}
