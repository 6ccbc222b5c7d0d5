// Package regotest runs the Rego unit tests (*_test.rego) beside numgate's policies with
// OPA's own test runner, the way the stock `opa test policies/` does, and measures which
// policy lines they cover. `go test` and `numgate test` both run them through here.
package regotest

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/util"
)

// Report is the outcome of one run.
type Report struct {
	Results  []*tester.Result
	Coverage cover.Report // of the policy files, tests excluded
}

// Failed counts the tests that failed or could not run.
func (r Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if !res.Pass() && !res.Skip {
			n++
		}
	}
	return n
}

// Run loads every .rego file under the policies tree (files named as "name/path") and the
// data files OPA's loader would load beside them (product/data.yaml as data.product), and
// runs the tests. A policy that does not compile is an error, reported with its position.
func Run(ctx context.Context, fsys fs.FS, name string) (Report, error) {
	modules := map[string]*ast.Module{}
	data := map[string]any{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch path.Ext(p) {
		case ".rego":
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			m, err := ast.ParseModuleWithOpts(path.Join(name, p), string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
			if err != nil {
				return err
			}
			modules[path.Join(name, p)] = m
		case ".yaml", ".json":
			if path.Base(p) != "data.yaml" && path.Base(p) != "data.json" {
				return nil
			}
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			var v any
			if err := util.Unmarshal(src, &v); err != nil {
				return fmt.Errorf("%s: %w", path.Join(name, p), err)
			}
			put(data, strings.Split(path.Dir(p), "/"), v)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	store := inmem.NewFromObject(data)
	txn, err := store.NewTransaction(ctx, storage.TransactionParams{})
	if err != nil {
		return Report{}, err
	}
	defer store.Abort(ctx, txn)

	cov := cover.New()
	ch, err := tester.NewRunner().
		SetCompiler(ast.NewCompiler().WithStrict(true)).
		SetStore(store).
		SetModules(modules).
		SetCoverageQueryTracer(cov).
		RunTests(ctx, txn)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	for r := range ch {
		rep.Results = append(rep.Results, r)
	}
	sort.SliceStable(rep.Results, func(i, j int) bool {
		a, b := rep.Results[i].Location, rep.Results[j].Location
		if a == nil || b == nil {
			return false
		}
		return a.File < b.File || (a.File == b.File && a.Row < b.Row)
	})
	rep.Coverage = policyCoverage(cov.Report(modules))
	return rep, nil
}

// put sets v at a directory path inside data, "." being the root.
func put(data map[string]any, dirs []string, v any) {
	if len(dirs) == 1 && dirs[0] == "." {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				data[k] = x
			}
		}
		return
	}
	for _, d := range dirs[:len(dirs)-1] {
		next, ok := data[d].(map[string]any)
		if !ok {
			next = map[string]any{}
			data[d] = next
		}
		data = next
	}
	data[dirs[len(dirs)-1]] = v
}

// policyCoverage keeps the policy files of a coverage report, dropping the tests', and
// recomputes the total over them.
func policyCoverage(all cover.Report) cover.Report {
	out := cover.Report{Files: map[string]*cover.FileReport{}}
	for file, fr := range all.Files {
		if strings.HasSuffix(file, "_test.rego") {
			continue
		}
		out.Files[file] = fr
		out.CoveredLines += fr.CoveredLines
		out.NotCoveredLines += fr.NotCoveredLines
	}
	if total := out.CoveredLines + out.NotCoveredLines; total > 0 {
		out.Coverage = 100 * float64(out.CoveredLines) / float64(total)
	}
	return out
}
