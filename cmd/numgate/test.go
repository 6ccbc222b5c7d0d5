package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
	"github.com/numgate/numgate/engine/regotest"
)

// testCmd runs the Rego unit tests (with coverage) and the decision cases.
type testCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

// testReport is what --format json prints; the text form says the same for a person.
type testReport struct {
	Rego struct {
		Passed   int                `json:"passed"`
		Failed   int                `json:"failed"`
		Failures []testFailure      `json:"failures"`
		Coverage float64            `json:"coverage"`
		Files    map[string]float64 `json:"files"`
	} `json:"rego"`
	Cases struct {
		Dir      string        `json:"dir"`
		Passed   int           `json:"passed"`
		Failed   int           `json:"failed"`
		Failures []testFailure `json:"failures"`
	} `json:"cases"`
}

type testFailure struct {
	Where   string   `json:"where"` // file:line of the test, or the case file
	Name    string   `json:"name"`
	Reasons []string `json:"reasons"`
}

func (c *testCmd) run(args []string) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate test [flags]

Runs the Rego unit tests beside the policies (as "opa test" does) with line coverage of
the policies, then every decision case (*.yaml) under --cases against the countries and
policies. Exits 1 when any test or case fails.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	casesDir := fs.String("cases", filepath.Join("testdata", "cases"), "`DIR` of decision cases")
	format := fs.String("format", "text", "output: text or json")
	verbose := fs.Bool("v", false, "list passing tests and cases too")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate test: unexpected argument %q; give cases with --cases DIR\n", positional[0])
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(c.stderr, "numgate test: --format %q is not text or json\n", *format)
		return exitUsage
	}
	cfg, err := c.trees.config(c.stderr)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate test:", err)
		return exitError
	}
	ctx := context.Background()
	var rep testReport
	text := *format == "text"

	rego, err := regotest.Run(ctx, cfg.Policies.FS, cfg.Policies.Name)
	if err != nil {
		fmt.Fprintf(c.stderr, "numgate test: the Rego tests cannot run:\n%v\n", err)
		return exitFailed
	}
	if text {
		fmt.Fprintf(c.stdout, "Rego unit tests (%s):\n", cfg.Policies.Name)
	}
	for _, r := range rego.Results {
		where := ""
		if r.Location != nil {
			where = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
		}
		name := r.Package + "." + r.Name
		switch {
		case r.Pass():
			rep.Rego.Passed++
			if text && *verbose {
				fmt.Fprintf(c.stdout, "  PASS %s %s (%s)\n", where, name, r.Duration.Round(time.Microsecond))
			}
		case !r.Skip:
			rep.Rego.Failed++
			reason := "the test's body was false or undefined"
			if r.Error != nil {
				reason = r.Error.Error()
			}
			rep.Rego.Failures = append(rep.Rego.Failures, testFailure{Where: where, Name: name, Reasons: []string{reason}})
			if text {
				fmt.Fprintf(c.stdout, "  FAIL %s %s: %s\n", where, name, reason)
			}
		}
	}
	rep.Rego.Coverage = rego.Coverage.Coverage
	rep.Rego.Files = map[string]float64{}
	for f, fr := range rego.Coverage.Files {
		rep.Rego.Files[f] = fr.Coverage
	}
	if text {
		fmt.Fprintf(c.stdout, "  %d passed, %d failed\n", rep.Rego.Passed, rep.Rego.Failed)
		fmt.Fprintf(c.stdout, "Rego coverage of the policies: %.1f%% of lines\n", rego.Coverage.Coverage)
		files := make([]string, 0, len(rep.Rego.Files))
		for f := range rep.Rego.Files {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, f := range files {
			fmt.Fprintf(c.stdout, "  %6.1f%%  %s\n", rep.Rego.Files[f], f)
			if nc := rego.Coverage.Files[f].NotCovered; len(nc) > 0 && *verbose {
				for _, r := range nc {
					fmt.Fprintf(c.stdout, "          not covered: %s:%d-%d\n", f, r.Start.Row, r.End.Row)
				}
			}
		}
	}

	code := c.runCases(ctx, cfg, *casesDir, text, *verbose, &rep)
	if code != exitOK && code != exitFailed {
		return code
	}
	if !text {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		fmt.Fprintf(c.stdout, "%d passed, %d failed\n", rep.Rego.Passed+rep.Cases.Passed, rep.Rego.Failed+rep.Cases.Failed)
	}
	// exitFailed from the cases also covers what no count shows: unreadable case files
	// or policies that do not load.
	if code == exitFailed || rep.Rego.Failed+rep.Cases.Failed > 0 {
		return exitFailed
	}
	return exitOK
}

func (c *testCmd) runCases(ctx context.Context, cfg engine.Config, dir string, text, verbose bool, rep *testReport) int {
	rep.Cases.Dir = dir
	if _, err := os.Stat(dir); err != nil {
		fmt.Fprintf(c.stderr, "numgate test: no decision cases: %v\n", err)
		return exitError
	}
	snap, err := engine.Load(ctx, cfg)
	if err != nil {
		fmt.Fprintf(c.stderr, "numgate test: the policies do not load; run numgate check:\n%v\n", err)
		return exitFailed
	}
	all, err := cases.Load(os.DirFS(dir), ".")
	if err != nil {
		fmt.Fprintf(c.stderr, "numgate test: unreadable decision cases:\n%v\n", err)
		return exitFailed
	}
	if text {
		fmt.Fprintf(c.stdout, "Decision cases (%s):\n", dir)
	}
	covered := map[string]bool{}
	for _, cs := range all {
		r := cases.Run(ctx, snap, cs)
		if d, ok := r.Decision.(*engine.ActivationDecision); ok {
			covered[d.Country+" "+d.NumberType+" "+d.Use] = true
		}
		file := filepath.Join(dir, cs.File)
		if r.Passed() {
			rep.Cases.Passed++
			if text && verbose {
				fmt.Fprintf(c.stdout, "  PASS %s: %s\n", file, cs.Name)
			}
			continue
		}
		rep.Cases.Failed++
		reasons := r.Failures
		if r.Err != nil {
			reasons = append(reasons, r.Err.Error())
		}
		rep.Cases.Failures = append(rep.Cases.Failures, testFailure{Where: file, Name: cs.Name, Reasons: reasons})
		if text {
			fmt.Fprintf(c.stdout, "  FAIL %s: %s\n", file, cs.Name)
			for _, why := range reasons {
				fmt.Fprintf(c.stdout, "       %s\n", why)
			}
		}
	}
	// Every configured offer needs a case, so a new country or offer is tested.
	for _, country := range snap.Countries() {
		for numberType, uses := range country.Numbers {
			for use := range uses {
				if key := country.Country + " " + numberType + " " + use; !covered[key] {
					rep.Cases.Failed++
					f := testFailure{Where: dir, Name: "no decision case for " + key, Reasons: []string{"add an activation case for this offer under " + dir}}
					rep.Cases.Failures = append(rep.Cases.Failures, f)
					if text {
						fmt.Fprintf(c.stdout, "  FAIL %s: %s\n", f.Where, f.Name)
					}
				}
			}
		}
	}
	if text {
		fmt.Fprintf(c.stdout, "  %d passed, %d failed\n", rep.Cases.Passed, rep.Cases.Failed)
	}
	return exitOK
}
