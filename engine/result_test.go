package engine

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"
)

// roundTrip types v the way fromPolicy replaced: through JSON.
func roundTrip(t *testing.T, v any, out any) error {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return json.Unmarshal(raw, out)
}

func TestFromPolicyTypesLikeJSON(t *testing.T) {
	cases := []struct {
		name string
		in   string // JSON, decoded with UseNumber as the rego package gives it
	}{
		{"full", `{"allow": true, "status": "active", "requirements": [{"id": "a", "kind": "field", "satisfied": true, "code": "ok", "evidence": ["d1"]}], "violations": [], "restrictions": [{"code": "x", "message": "m"}], "verification": {"required": true, "method": "document_review"}, "next_step": {"code": "c", "message": "m"}}`},
		{"empty and null", `{"requirements": [], "violations": null, "verification": null, "unavailable": {"code": "c", "message": "m"}}`},
		{"unknown keys ignored", `{"status": "blocked", "extra": {"deep": [1, 2]}, "next_step": {"code": "c", "message": "m", "more": true}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dec := json.NewDecoder(strings.NewReader(c.in))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			var got, fromAST, want ActivationDecision
			if err := fromPolicy(v, &got, nil); err != nil {
				t.Fatal(err)
			}
			if err := roundTrip(t, v, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("fromPolicy gave\n%+v\nJSON gives\n%+v", got, want)
			}
			av, err := ast.InterfaceToValue(v)
			if err != nil {
				t.Fatal(err)
			}
			if err := fromValue(av, &fromAST, nil); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fromAST, want) {
				t.Errorf("fromValue gave\n%+v\nJSON gives\n%+v", fromAST, want)
			}
		})
	}
}

// fromValue reads OPA's values as ast.JSON gives them: sets as arrays, in their order,
// numbers by their text, keys that are not strings by their JSON text; and refuses what
// does not fit as fromPolicy does.
func TestFromValueLikeJSON(t *testing.T) {
	type shape struct {
		Tags  []string          `json:"tags"`
		Count int               `json:"count"`
		Ratio float64           `json:"ratio"`
		ByKey map[string]string `json:"by_key"`
		Any   any               `json:"any"`
		Ptr   *struct {
			On bool `json:"on"`
		} `json:"ptr"`
	}
	for _, src := range []string{
		`{"tags": {"b", "a"}, "count": 3, "ratio": 0.25, "by_key": {"x": "y", 1: "one"}, "any": {"k": [1, {"s"}, null]}, "ptr": {"on": true}}`,
		`{"tags": [], "count": 0, "by_key": {}, "any": null, "ptr": null, "unknown": {1, 2}}`,
		`{}`,
	} {
		v := ast.MustParseTerm(src).Value
		var got, want shape
		if err := fromValue(v, &got, nil); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		j, err := ast.JSON(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := fromPolicy(j, &want, nil); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fromValue gave\n%+v\nfromPolicy(ast.JSON) gives\n%+v", src, got, want)
		}
	}
	for name, src := range map[string]string{
		"string for bool":      `{"allow": "yes"}`,
		"fraction for int":     `{"code_length": 6.5}`,
		"object for slice":     `{"reasons": {}}`,
		"string for struct":    `{"contact": "x"}`,
		"not an object at all": `[]`,
	} {
		var d ContactDecision
		if err := fromValue(ast.MustParseTerm(src).Value, &d, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := fromValue(ast.NewObject(), ContactDecision{}, nil); err == nil {
		t.Error("a non-pointer was accepted")
	}
}

func TestFromPolicyNumbersAndMismatches(t *testing.T) {
	var d ContactDecision
	if err := fromPolicy(map[string]any{"code_length": json.Number("6"), "attempts_left": json.Number("3")}, &d, nil); err != nil || d.CodeLength != 6 || d.AttemptsLeft != 3 {
		t.Errorf("numbers: %+v, %v", d, err)
	}
	for name, v := range map[string]any{
		"string for bool":      map[string]any{"allow": "yes"},
		"fraction for int":     map[string]any{"code_length": json.Number("6.5")},
		"object for slice":     map[string]any{"reasons": map[string]any{}},
		"string for struct":    map[string]any{"contact": "x"},
		"not an object at all": []any{},
	} {
		var d ContactDecision
		if err := fromPolicy(v, &d, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := fromPolicy(map[string]any{}, ContactDecision{}, nil); err == nil {
		t.Error("a non-pointer was accepted")
	}
}

// Every activation decision case's result is typed as the JSON round trip types it.
func TestFromPolicyOnEveryActivationCase(t *testing.T) {
	s, err := Load(context.Background(), Config{
		Countries: Tree{FS: os.DirFS("../countries"), Name: "countries"},
		Policies:  Tree{FS: os.DirFS("../policies"), Name: "policies"},
		Clock:     func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = filepath.WalkDir("../testdata/cases", func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var c struct {
			Kind  string         `yaml:"kind"`
			Input map[string]any `yaml:"input"`
		}
		if err := yaml.Unmarshal(raw, &c); err != nil {
			return err
		}
		if c.Kind != "" && c.Kind != "activation" {
			return nil
		}
		body, _ := json.Marshal(c.Input)
		req, err := s.policyInput(KindActivation, body)
		if err != nil {
			return nil // a refused request: no result to type
		}
		in, err := ast.InterfaceToValue(req)
		if err != nil {
			return err
		}
		res, err := s.eval(context.Background(), *s.decisions[KindActivation], in)
		if err != nil {
			return err
		}
		planned, ok := res.(ast.Value)
		if !ok {
			t.Fatalf("%s: the activation decision is not run from its plan", path)
		}
		v, err := ast.JSON(planned)
		if err != nil {
			return err
		}
		var got, fromAST, want ActivationDecision
		render := s.renderer(0, nil)
		if err := fromPolicy(v, &got, render); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if err := roundTrip(t, renderMessages(v, render), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: fromPolicy gave\n%+v\nJSON gives\n%+v", path, got, want)
		}
		if err := typeResult(planned, &fromAST, render); err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if !reflect.DeepEqual(fromAST, want) {
			t.Errorf("%s: fromValue gave\n%+v\nJSON gives\n%+v", path, fromAST, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("only %d activation cases typed; the corpus moved?", n)
	}
}

// renderMessages replaces every message ({"id": …} or {"id": …, "params": …}) in a
// policy result by its text, as a JSON round trip of a rendered answer would hold it.
func renderMessages(v any, render func(any) string) any {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["id"].(string); ok && (len(x) == 1 || len(x) == 2 && x["params"] != nil) {
			return render(x)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = renderMessages(e, render)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = renderMessages(e, render)
		}
		return out
	}
	return v
}
