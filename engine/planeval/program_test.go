package planeval_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/numgate/numgate/engine/planeval"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
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
	// OPA's evaluator reads a reference into data from its store, which names keys by
	// their text; a value the policy holds is looked up by value.
	{"base documents read by the key's text", `package t
r := {
	"int": object.get({"v": data.n[2]}, "v", "none"),
	"float": object.get({"v": data.n[2.0]}, "v", "none"),
	"text_index": object.get({"v": data.arr["1"]}, "v", "none"),
	"float_index": object.get({"v": data.arr[1.0]}, "v", "none"),
	"from_input": object.get({"v": data.n[input.k]}, "v", "none"),
	"bool": object.get({"v": data.n[true]}, "v", "none"),
	"held": held,
}
held := y[2] if y := data.n
default held := "none"`,
		[]string{`{"k": 2}`, `{"k": "2"}`, `{"k": 2.5}`}},
	{"walk gives every path", `package t
r := {"paths": [p | walk(input, [p, _])], "leaves": [v | walk(input, [_, v]); is_number(v)]}`,
		[]string{`{"a": [1, {"b": 2}], "c": 3}`, `[]`, `5`}},
	{"an undefined term in a literal or comprehension body", `package t
r := {"array": a, "set": s, "compr": [1 | input.missing], "set_compr": {1 | input.missing}}
a if { [1, input.missing] } else := false
s if { {1, input.missing} } else := false`,
		[]string{`{}`, `{"missing": 1}`, ``}},
}

func TestPlanAgreesWithTopdown(t *testing.T) {
	ctx := context.Background()
	data := map[string]any{
		"d":   map[string]any{"offers": map[string]any{"DE": map[string]any{"price": 3}, "FR": map[string]any{"price": 4}}},
		"n":   map[string]any{"2": "two", "2.0": "two point zero", "2.5": "two and a half", "true": "yes"},
		"arr": []any{"a", "b", "c"},
	}
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
					var input ast.Value // "": no input at all
					opts := []rego.EvalOption{}
					if in != "" {
						input = ast.MustParseTerm(in).Value
						opts = append(opts, rego.EvalParsedInput(input))
					}
					rs, err := pq.Eval(ctx, opts...)
					if err != nil {
						t.Fatalf("%s on %s: topdown: %v", rule, in, err)
					}
					got, defined, err := prog.Eval(ctx, "t/"+rule, input, dataValue, planeval.Env{})
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
	if v, _, err := prog.Eval(ctx, "t/r", ast.MustParseTerm(`{"a": true}`).Value, ast.NewObject(), planeval.Env{}); err != nil || v.Compare(ast.Number("1")) != 0 {
		t.Fatalf("one value: got %v, %v", v, err)
	}
	_, _, err = prog.Eval(ctx, "t/r", ast.MustParseTerm(`{"a": true, "b": true}`).Value, ast.NewObject(), planeval.Env{})
	var conflict *topdown.Error
	if !errors.As(err, &conflict) || conflict.Code != topdown.ConflictErr {
		t.Fatalf("two values: got %v, want OPA's conflict error", err)
	}
	pq, perr := rego.New(rego.Query("data.t.r"), rego.ParsedModule(mods["t.rego"])).PrepareForEval(ctx)
	if perr != nil {
		t.Fatal(perr)
	}
	_, want := pq.Eval(ctx, rego.EvalInput(map[string]any{"a": true, "b": true}))
	if want == nil || err.Error() != want.Error() {
		t.Fatalf("two values:\nplan %v\nOPA  %v", err, want)
	}
}

func TestWithIsRefused(t *testing.T) {
	mods := map[string]*ast.Module{"t.rego": module(`package t
x := input.a
r := y if { y := x with input.a as 2 }`)}
	prog, err := planeval.Compile(context.Background(), mods, "t/r")
	if err != nil {
		t.Fatal(err)
	}
	r := prog.Refused("t/r")
	if r == nil || !errors.Is(r, planeval.ErrUnsupported) || !strings.HasPrefix(r.Position, "t.rego:3:") {
		t.Fatalf("got %v, want a refusal at t.rego:3", r)
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
	if _, _, err := prog.Eval(ctx, "t/r", ast.NewObject(), ast.NewObject(), planeval.Env{}); !errors.Is(err, context.Canceled) && !topdown.IsCancel(err) {
		t.Fatalf("got %v, want a cancellation (context.Canceled, or OPA's cancel error from numbers.range)", err)
	}
}

func module(src string) *ast.Module {
	m, err := ast.ParseModuleWithOpts("t.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		panic(err)
	}
	return m
}

// Built-ins see what OPA's evaluator gives them: the evaluation's time and random source
// (so rand.intn and uuid.rfc4122 agree with OPA's for the same seed, and repeat
// themselves within an evaluation).
func TestEnvReachesBuiltins(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{"t.rego": module(`package t
r := {
	"now": time.now_ns(),
	"n": rand.intn("x", 1000),
	"same_n": rand.intn("x", 1000) == rand.intn("x", 1000),
	"id": uuid.rfc4122("a"),
	"same_id": uuid.rfc4122("a") == uuid.rfc4122("a"),
}`)}
	prog, err := planeval.Compile(ctx, mods, "t/r")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	got, _, err := prog.Eval(ctx, "t/r", nil, ast.NewObject(), planeval.Env{Time: at, Seed: strings.NewReader(strings.Repeat("seed", 64))})
	if err != nil {
		t.Fatal(err)
	}
	pq, err := rego.New(rego.Query("data.t.r"), rego.ParsedModule(mods["t.rego"])).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := pq.Eval(ctx, rego.EvalTime(at), rego.EvalSeed(strings.NewReader(strings.Repeat("seed", 64))))
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustInterfaceToValue(rs[0].Expressions[0].Value)
	if got.Compare(want) != 0 {
		t.Fatalf("plan %v\nOPA  %v", got, want)
	}
	if now := got.(ast.Object).Get(ast.StringTerm("now")); now.Value.Compare(ast.Number(fmt.Sprint(at.UnixNano()))) != 0 {
		t.Fatalf("time.now_ns() = %v, want the Env's time %d", now, at.UnixNano())
	}
}

// A built-in off the allow-list refuses the entrypoints that reach it, and only those,
// at its position.
func TestRefusalIsPerEntrypoint(t *testing.T) {
	mods := map[string]*ast.Module{"t.rego": module(`package t
shared := input.x
a := shared + 1
b := opa.runtime() if shared
c := d
d := e
e := trace("x")`)}
	prog, err := planeval.Compile(context.Background(), mods, "t/a", "t/b", "t/c")
	if err != nil {
		t.Fatal(err)
	}
	if r := prog.Refused("t/a"); r != nil {
		t.Errorf("t/a refused: %v", r)
	}
	if r := prog.Refused("t/b"); r == nil || r.Position != "t.rego:4:6" || !strings.Contains(r.Reason, "opa.runtime") {
		t.Errorf("t/b: got %v, want a refusal for opa.runtime at t.rego:4:6", r)
	}
	if r := prog.Refused("t/c"); r == nil || !strings.HasPrefix(r.Position, "t.rego:7:") || !strings.Contains(r.Reason, "trace") {
		t.Errorf("t/c (through d and e): got %v, want a refusal for trace at t.rego:7", r)
	}
	if _, _, err := prog.Eval(context.Background(), "t/b", ast.NewObject(), ast.NewObject(), planeval.Env{}); !errors.Is(err, planeval.ErrUnsupported) {
		t.Errorf("Eval of a refused entrypoint: got %v, want ErrUnsupported", err)
	}
}
