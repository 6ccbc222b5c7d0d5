package planeval_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/numgate/numgate/engine/planeval"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// Each case's rule is evaluated from its plan and by OPA's evaluator (topdown) on every
// input; the two must agree exactly, including on undefined.
var semantics = []struct {
	name   string
	module string
	inputs []string
}{
	{"else chains and defaults", `package t
default r := "none"
r := "small" if { input.n < 3 } else := "medium" if { input.n < 10 } else := "large" if { input.n >= 10 }`,
		[]string{`{"n": 1}`, `{"n": 5}`, `{"n": 50}`, `{}`, `{"n": "x"}`}},
	{"negation and undefined", `package t
r := {"missing": missing_a, "has_b": has_b}
missing_a if not input.a
default missing_a := false
has_b if input.b
default has_b := false`,
		[]string{`{}`, `{"a": 1, "b": true}`, `{"b": false}`}},
	{"comprehensions over arrays, objects and sets", `package t
r := {
	"a": [y | some x in input.xs; x > 1; y := x * 2],
	"o": {k: v | some k, v in input.o; v != null},
	"s": {x | some x in input.xs},
	"n": count({x | some x in input.xs}),
}`,
		[]string{`{"xs": [1, 2, 3, 3], "o": {"a": 1, "b": null}}`, `{"xs": [], "o": {}}`, `{"xs": "not a list", "o": 3}`}},
	{"functions, multiple definitions, index by constant", `package t
f("a", x) := x + 1
f("b", x) := x * 10
g(x) := y if { y := f(x.kind, x.n) }
r := [g(e) | some e in input.es]`,
		[]string{`{"es": [{"kind": "a", "n": 1}, {"kind": "b", "n": 2}, {"kind": "c", "n": 3}]}`}},
	{"partial objects and sets, dynamic lookup", `package t
refusal["x"] := 1 if input.x
refusal["y"] := 2 if input.y
reasons contains c if { some c in ["x", "y", "z"]; refusal[c] }
r := {"list": [refusal[c] | some c in ["y", "x", "z"]; refusal[c]], "set": reasons}`,
		[]string{`{"x": true}`, `{"x": true, "y": true}`, `{}`}},
	{"every and some", `package t
r := {"all": all_pos, "any": any_neg}
all_pos if { every x in input.xs { x > 0 } }
default all_pos := false
any_neg if { some x in input.xs; x < 0 }
default any_neg := false`,
		[]string{`{"xs": [1, 2]}`, `{"xs": [1, -2]}`, `{"xs": []}`}},
	{"built-ins, and a failing built-in is undefined", `package t
r := {
	"s": sprintf("%s has %d", [input.name, count(input.name)]),
	"m": regex.match("^[a-z]+$", input.name),
	"t": time.format([time.parse_ns("2006-01-02", input.day), "UTC", "2006-01-02"]),
	"u": object.union({"a": 1}, {"b": input.name}),
}
bad := time.parse_ns("2006-01-02", input.name)
b := {"bad": bad} if bad
default b := {}`,
		[]string{`{"name": "ada", "day": "2026-11-25"}`, `{"name": "Ada 1", "day": "not a day"}`}},
	{"numbers compare by value", `package t
r := {"eq": input.a == input.b, "lt": input.a < input.b, "sum": input.a + input.b}`,
		[]string{`{"a": 1, "b": 1.0}`, `{"a": 1.5, "b": 2}`, `{"a": 100000000000000000000, "b": 1}`}},
	{"object and array access", `package t
r := {"first": input.xs[0], "key": input.o[input.k], "deep": object.get(input, ["o", "p", "q"], "none")}`,
		[]string{`{"xs": [7], "o": {"a": 1, "p": {"q": 2}}, "k": "a"}`, `{"xs": [], "o": {}, "k": "z"}`}},
	{"data", `package t
r := [data.d.offers[c].price | some c in input.cs]`,
		[]string{`{"cs": ["DE", "FR", "XX"]}`}},
}

func TestPlanAgreesWithTopdown(t *testing.T) {
	ctx := context.Background()
	data := map[string]any{"d": map[string]any{"offers": map[string]any{"DE": map[string]any{"price": 3}, "FR": map[string]any{"price": 4}}}}
	dataValue := ast.MustInterfaceToValue(data)
	for _, tc := range semantics {
		t.Run(tc.name, func(t *testing.T) {
			mods := map[string]*ast.Module{"t.rego": module(tc.module)}
			for _, rule := range []string{"r", "b"} {
				if !strings.Contains(tc.module, "\n"+rule+" ") {
					continue
				}
				prog, err := planeval.Compile(ctx, mods, "t/"+rule)
				if err != nil {
					t.Fatal(err)
				}
				pq, err := rego.New(rego.Query("data.t."+rule), rego.ParsedModule(mods["t.rego"]), rego.Store(inmem.NewFromObject(data))).PrepareForEval(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, in := range tc.inputs {
					input := ast.MustParseTerm(in).Value
					rs, err := pq.Eval(ctx, rego.EvalParsedInput(input))
					if err != nil {
						t.Fatalf("%s on %s: topdown: %v", rule, in, err)
					}
					got, defined, err := prog.Eval(ctx, "t/"+rule, input, dataValue, ast.InternedTerm(0))
					if err != nil {
						t.Fatalf("%s on %s: plan: %v", rule, in, err)
					}
					if len(rs) == 0 {
						if defined {
							t.Errorf("%s on %s: plan gave %v, topdown undefined", rule, in, got)
						}
						continue
					}
					// Compared as the engine reads them: as JSON, where a set is an array.
					want := ast.MustInterfaceToValue(rs[0].Expressions[0].Value)
					if defined {
						js, err := ast.JSON(got)
						if err != nil {
							t.Fatal(err)
						}
						got = ast.MustInterfaceToValue(js)
					}
					if !defined || got.Compare(want) != 0 {
						t.Errorf("%s on %s:\nplan    %v (defined %v)\ntopdown %v", rule, in, got, defined, want)
					}
				}
			}
		})
	}
}

func TestConflictIsAnError(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{"t.rego": module(`package t
r := 1 if input.a
r := 2 if input.b`)}
	prog, err := planeval.Compile(ctx, mods, "t/r")
	if err != nil {
		t.Fatal(err)
	}
	if v, _, err := prog.Eval(ctx, "t/r", ast.MustParseTerm(`{"a": true}`).Value, ast.NewObject(), ast.InternedTerm(0)); err != nil || v.Compare(ast.Number("1")) != 0 {
		t.Fatalf("one value: got %v, %v", v, err)
	}
	_, _, err = prog.Eval(ctx, "t/r", ast.MustParseTerm(`{"a": true, "b": true}`).Value, ast.NewObject(), ast.InternedTerm(0))
	var conflict *planeval.ConflictError
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "t.rego:") {
		t.Fatalf("two values: got %v, want a conflict error naming t.rego", err)
	}
}

func TestWithIsRefused(t *testing.T) {
	mods := map[string]*ast.Module{"t.rego": module(`package t
x := input.a
r := y if { y := x with input.a as 2 }`)}
	_, err := planeval.Compile(context.Background(), mods, "t/r")
	if !errors.Is(err, planeval.ErrUnsupported) || !strings.Contains(err.Error(), "t.rego:3:") {
		t.Fatalf("got %v, want ErrUnsupported at t.rego:3", err)
	}
}

func TestCancelled(t *testing.T) {
	mods := map[string]*ast.Module{"t.rego": module(`package t
r := count([1 | some x in numbers.range(1, 100000); some y in numbers.range(1, 10); x > y])`)}
	prog, err := planeval.Compile(context.Background(), mods, "t/r")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := prog.Eval(ctx, "t/r", ast.NewObject(), ast.NewObject(), ast.InternedTerm(0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func module(src string) *ast.Module {
	m, err := ast.ParseModuleWithOpts("t.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		panic(err)
	}
	return m
}
