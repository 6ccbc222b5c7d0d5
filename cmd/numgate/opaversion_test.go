package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"testing"
)

// One OPA version: the OPA module numgate embeds (go.mod) and the stock opa CLI the
// Makefile installs for opa test, opa fmt and the bundle test (OPA_VERSION) must be the
// same release, or the policies are checked by one OPA and run by another.
func TestOneOPAVersion(t *testing.T) {
	root := repoRoot(t)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	mod := regexp.MustCompile(`(?m)^\s*github\.com/open-policy-agent/opa (v\S+)`).FindSubmatch(gomod)
	cli := regexp.MustCompile(`(?m)^OPA_VERSION\s*:?=\s*(v\S+)`).FindSubmatch(makefile)
	if mod == nil || cli == nil {
		t.Fatalf("cannot read the OPA versions: go.mod requires %q, the Makefile pins OPA_VERSION %q", mod, cli)
	}
	if string(mod[1]) != string(cli[1]) {
		t.Errorf("go.mod requires github.com/open-policy-agent/opa %s but the Makefile installs the opa CLI %s: set OPA_VERSION := %s in the Makefile (or upgrade both)", mod[1], cli[1], mod[1])
	}
	// And the OPA linked into this binary is go.mod's (no replace points elsewhere).
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/open-policy-agent/opa" && d.Version != string(mod[1]) {
				t.Errorf("the OPA linked in is %s, go.mod requires %s", d.Version, mod[1])
			}
		}
	}
}
