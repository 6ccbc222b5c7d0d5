package regolint

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/numgate/numgate/policies"
)

func parse(t *testing.T, files map[string]string) map[string]*ast.Module {
	t.Helper()
	out := map[string]*ast.Module{}
	for name, src := range files {
		m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Fatal(err)
		}
		out[name] = m
	}
	return out
}

// TestRepositoryPoliciesAreClean: the policies numgate ships have nothing to find (the
// loader would refuse them).
func TestRepositoryPoliciesAreClean(t *testing.T) {
	files := map[string]string{}
	err := fs.WalkDir(policies.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(name, ".rego") || strings.HasSuffix(name, "_test.rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS(), name)
		files["policies/"+name] = string(src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("read %d policy files", len(files))
	}
	for _, f := range Check(parse(t, files)) {
		t.Errorf("%s: %s", f.Location, f.Message)
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

// TestConflictingDefinitions: a second definition beside one that always has a value
// conflicts whenever its body holds (a compliance edit found by review: every incomplete
// DE activation answered 500); defaults, else chains, equal constants and exclusive
// conditions do not.
func TestConflictingDefinitions(t *testing.T) {
	for _, tc := range []struct {
		name, rego string
		want       int
	}{
		{"unconditional and conditional", `codes := {"a": 1}
codes := {"a": 2} if input.x`, 1},
		{"else chain ending unconditionally", `status := "a" if { input.a } else := "b"
status := "c" if input.force`, 1},
		{"default and conditional", `default status := "a"
status := "b" if input.x`, 0},
		{"two conditional definitions", `status := "a" if input.x
status := "b" if input.y`, 0},
		{"same constant", `ok := true
ok := true if input.x`, 0},
		{"functions", `f(x) := 1
f(x) := 2 if x > 1`, 0},
		{"partial set", `s contains 1
s contains 2 if input.x`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Check(parse(t, map[string]string{"p.rego": "package numgate.x\n" + tc.rego}))
			if len(got) != tc.want {
				t.Errorf("found %d, want %d: %v", len(got), tc.want, got)
			}
		})
	}
	// Across files of one package, as a new file beside activation.rego would be.
	got := Check(parse(t, map[string]string{
		"a.rego":     "package numgate.activation\nstatus := \"x\" if { input.a } else := \"y\"\n",
		"extra.rego": "package numgate.activation\nstatus := \"active\" if input.force\n",
	}))
	if len(got) != 1 || got[0].Location.File != "extra.rego" || got[0].Location.Row != 2 {
		t.Errorf("across files: %v", got)
	}
}

// TestPackagesUnderNumgate: a package outside data.numgate would overlay the data
// documents (package countries hid DE's offers).
func TestPackagesUnderNumgate(t *testing.T) {
	for src, want := range map[string]int{
		"package countries\nDE := 1":         1,
		"package product\nx := 1":            1,
		"package numgate.activation\nx := 1": 0,
		"package numgate\nx := 1":            0,
		"package numgatex.y\nx := 1":         1,
	} {
		got := Check(parse(t, map[string]string{"p.rego": src}))
		if len(got) != want || (want == 1 && got[0].Location.Row != 1) {
			t.Errorf("%q: %v", src, got)
		}
	}
}
