package engine_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/numgate/numgate/engine"
)

// repoTrees are the repository's own countries and policies.
func repoTrees(t testing.TB) engine.Config {
	t.Helper()
	return engine.Config{
		Countries: engine.Tree{FS: os.DirFS("../countries"), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("../policies"), Name: "policies"},
	}
}

// overlay copies a tree into memory and replaces or adds files.
func overlay(t testing.TB, base fs.FS, files map[string][]byte) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(base, p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, data := range files {
		m[p] = &fstest.MapFile{Data: data}
	}
	return m
}

// loaderCase is one entry of testdata/loader/cases.yaml: a broken file, where it goes in
// an otherwise valid tree, and every diagnostic the load must report.
type loaderCase struct {
	File string   `yaml:"file"` // under testdata/loader
	As   string   `yaml:"as"`   // countries/... or policies/...
	Want []string `yaml:"want"` // "path:line:col: message substring", all of them, in order
}

func TestLoadBrokenFiles(t *testing.T) {
	data, err := os.ReadFile("../testdata/loader/cases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table []loaderCase
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&table); err != nil {
		t.Fatal(err)
	}
	for _, tc := range table {
		t.Run(tc.File, func(t *testing.T) {
			bad, err := os.ReadFile("../testdata/loader/" + tc.File)
			if err != nil {
				t.Fatal(err)
			}
			cfg := repoTrees(t)
			tree, name, _ := strings.Cut(tc.As, "/")
			switch tree {
			case "countries":
				cfg.Countries.FS = overlay(t, cfg.Countries.FS, map[string][]byte{name: bad})
			case "policies":
				cfg.Policies.FS = overlay(t, cfg.Policies.FS, map[string][]byte{name: bad})
			default:
				t.Fatalf("as: %q must start with countries/ or policies/", tc.As)
			}
			_, err = engine.Load(context.Background(), cfg)
			if len(tc.Want) == 0 {
				if err != nil {
					t.Fatalf("want a clean load, got:\n%v", err)
				}
				return
			}
			var ds engine.Diagnostics
			if !errors.As(err, &ds) {
				t.Fatalf("want diagnostics, got %v", err)
			}
			got := strings.Split(ds.Error(), "\n")
			if len(got) != len(tc.Want) {
				t.Errorf("got %d diagnostics, want %d:\n%s", len(got), len(tc.Want), ds.Error())
			}
			for i, w := range tc.Want {
				if i < len(got) && !strings.HasPrefix(got[i], strings.SplitN(w, ": ", 2)[0]+": ") || i < len(got) && !strings.Contains(got[i], strings.SplitN(w, ": ", 2)[1]) {
					t.Errorf("diagnostic %d:\n got: %s\nwant: %s", i, got[i], w)
				}
			}
		})
	}
}

// A policy whose plan uses what planeval does not run exactly (here the with keyword)
// still loads; the decision that reaches it is OPA's evaluator's, the snapshot says why
// and where, and the other decisions still run from their plans.
func TestUnplannablePolicyFallsBackToTopdown(t *testing.T) {
	src, err := os.ReadFile("../policies/activation.rego")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), `"use": identity.use,`, `"use": use_seen,`, 1)
	if edited == string(src) {
		t.Fatal("activation.rego no longer has the line this test edits")
	}
	edited += "\nuse_seen := u if {\n\tu := identity.use with input.unused as true\n}\n"
	cfg := repoTrees(t)
	cfg.Policies.FS = overlay(t, os.DirFS("../policies"), map[string][]byte{"activation.rego": []byte(edited)})
	snap, err := engine.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Count(edited[:strings.Index(edited, "u := identity.use with")], "\n") + 1
	want := fmt.Sprintf("activation: topdown (policies/activation.rego:%d:2: the with keyword)", line)
	for _, e := range snap.Evaluators() {
		switch {
		case e.Decision == "activation" && e.String() != want:
			t.Errorf("activation's evaluator: %s; want %s", e, want)
		case e.Decision != "activation" && e.Evaluator != engine.EvaluatorPlan:
			t.Errorf("%s; want the plan: only activation reaches the with keyword", e)
		}
	}
	d, err := activate(context.Background(), snap, []byte(deLocalBusiness))
	if err != nil {
		t.Fatal(err)
	}
	if d.Use != "business" || d.Status != "incomplete" {
		t.Fatalf("decision: use %q, status %q; want business, incomplete", d.Use, d.Status)
	}
}

// TestRevisionIsTheFiles: the same files give the same revision wherever their
// directories lie (replicas mounting the tree at different paths reported different
// revisions, found by an operator review); a changed byte gives another.
func TestRevisionIsTheFiles(t *testing.T) {
	ctx := context.Background()
	here := repoTrees(t)
	elsewhere := engine.Config{
		Countries: engine.Tree{FS: here.Countries.FS, Name: "/srv/numgate/tree/countries"},
		Policies:  engine.Tree{FS: here.Policies.FS, Name: "../policies"},
	}
	changed := engine.Config{
		Countries: engine.Tree{FS: overlay(t, here.Countries.FS, map[string][]byte{"DE.yaml": append(mustRead(t, "../countries/DE.yaml"), "\n# a comment\n"...)}), Name: "countries"},
		Policies:  here.Policies,
	}
	var revs []string
	for _, cfg := range []engine.Config{here, elsewhere, changed} {
		snap, err := engine.Load(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, snap.Revision)
	}
	if revs[0] != revs[1] || revs[0] == revs[2] {
		t.Errorf("revisions: here %s, elsewhere %s, changed %s", revs[0], revs[1], revs[2])
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
