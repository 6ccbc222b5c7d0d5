package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/whatif"
)

// diffCmd reports which decisions of a corpus a policy change flips.
type diffCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

// corpusFlag collects --corpus sources.
type corpusFlag []string

func (c *corpusFlag) String() string     { return strings.Join(*c, ",") }
func (c *corpusFlag) Set(v string) error { *c = append(*c, v); return nil }

func (c *diffCmd) run(args []string) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate diff [flags]

Decides every activation request of a corpus with the base policy tree and with the head
tree (--countries/--policies, the working tree by default) and reports each decision
that changes: its source, old and new status and allow, requirements that appeared or
disappeared; then a summary per country, number type and use.

Corpus (--corpus, repeatable; default "cases"): "cases" for the decision cases under
testdata/cases, a .jsonl file from numgate decisions export, or a dossier file
(.yaml/.json, dossiers: [{id, number, identity, account}]).

Exit codes: 0 no decision changes, 1 some do (a CI job can require review), 2 usage,
3 could not run.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	base := fs.String("base", "HEAD", "the base: a `DIR` holding countries/ and policies/, or a git revision")
	var corpus corpusFlag
	fs.Var(&corpus, "corpus", `"cases", a decisions export (.jsonl) or a dossier file; repeatable`)
	format := fs.String("format", "text", "output: text or json")
	at := fs.String("at", "", "decide every request as of this RFC 3339 `TIME` (preview a dated change); default each request's own time or now")
	baseAt := fs.String("base-at", "", "the base's decision `TIME`; default --at (so --base . --base-at now --at DATE compares today with DATE)")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate diff: unexpected argument %q; give the corpus with --corpus\n", positional[0])
		return exitUsage
	}
	times, err := diffTimes(*at, *baseAt)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate diff:", err)
		return exitUsage
	}
	if len(corpus) == 0 {
		corpus = corpusFlag{"cases"}
	}
	ctx := context.Background()
	head, code := c.trees.load(ctx, "diff", c.stderr, nil)
	if code != exitOK {
		return code
	}
	baseDir, cleanup, err := resolveBase(*base)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate diff:", err)
		return exitError
	}
	defer cleanup()
	baseSnap, err := engine.Load(ctx, engine.Config{
		Countries: engine.Tree{FS: os.DirFS(filepath.Join(baseDir, "countries")), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS(filepath.Join(baseDir, "policies")), Name: "policies"},
		Evaluator: c.trees.evaluator,
	})
	if err != nil {
		fmt.Fprintf(c.stderr, "numgate diff: the base tree (%s) does not load:\n%v\n", *base, err)
		return exitError
	}
	items, err := loadCorpus(corpus)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate diff:", err)
		return exitError
	}
	rep := whatif.Diff(ctx, baseSnap, head, items, times, progressBar(c.stderr))
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printDiff(c.stdout, *base, baseSnap.Revision, head.Revision, rep)
	}
	if len(rep.Changed) > 0 {
		return exitFailed
	}
	return exitOK
}

// diffTimes checks --at and --base-at; "now" is the clock.
func diffTimes(at, baseAt string) (whatif.Times, error) {
	norm := func(flag, v string) (string, error) {
		switch v {
		case "":
			return "", nil
		case "now":
			return time.Now().UTC().Format(time.RFC3339), nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return "", fmt.Errorf("--%s %q is not RFC 3339, e.g. 2027-01-01T00:00:00Z", flag, v)
		}
		return t.UTC().Format(time.RFC3339), nil
	}
	head, err := norm("at", at)
	if err != nil {
		return whatif.Times{}, err
	}
	base := head
	if baseAt != "" {
		if base, err = norm("base-at", baseAt); err != nil {
			return whatif.Times{}, err
		}
	}
	return whatif.Times{Base: base, Head: head}, nil
}

func loadCorpus(sources []string) ([]whatif.Item, error) {
	var all []whatif.Item
	for _, src := range sources {
		var items []whatif.Item
		var err error
		switch {
		case src == "cases":
			items, err = whatif.FromCases(os.DirFS(filepath.Join("testdata", "cases")), ".")
		case strings.HasSuffix(src, ".jsonl"):
			items, err = whatif.FromDecisionLog(src)
		case strings.HasSuffix(src, ".yaml"), strings.HasSuffix(src, ".yml"), strings.HasSuffix(src, ".json"):
			items, err = whatif.FromDossiers(src)
		default:
			return nil, fmt.Errorf("--corpus %q: expected cases, a .jsonl decisions export or a .yaml/.json dossier file", src)
		}
		if err != nil {
			return nil, fmt.Errorf("--corpus %s: %w", src, err)
		}
		all = append(all, items...)
	}
	return all, nil
}

// resolveBase gives a directory with countries/ and policies/: the one named, or the
// tree of a git revision written to a temporary directory.
func resolveBase(base string) (string, func(), error) {
	if st, err := os.Stat(filepath.Join(base, "countries")); err == nil && st.IsDir() {
		return base, func() {}, nil
	}
	out, err := exec.Command("git", "archive", "--format=tar", base, "countries", "policies").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%s", strings.TrimSpace(string(ee.Stderr)))
		}
		return "", nil, fmt.Errorf("--base %q is neither a directory with countries/ and policies/ nor a git revision: %v", base, err)
	}
	dir, err := os.MkdirTemp("", "numgate-diff-base")
	if err != nil {
		return "", nil, err
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, err
		}
		p := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			_ = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			_ = os.MkdirAll(filepath.Dir(p), 0o755)
			data, _ := io.ReadAll(tr)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return "", nil, err
			}
		}
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

// progressBar draws on a terminal only; piped output stays clean.
func progressBar(w io.Writer) func(done, total int) {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return func(done, total int) {
		if total < 50 {
			return
		}
		const width = 30
		n := done * width / total
		fmt.Fprintf(w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprint(w, "\r\033[K")
		}
	}
}

func printDiff(w io.Writer, base, baseRev, headRev string, rep whatif.Report) {
	fmt.Fprintf(w, "base %s (%s) -> head (%s)\n", base, short(baseRev), short(headRev))
	fmt.Fprintf(w, "%d decisions, %d changed\n", rep.Decisions, len(rep.Changed))
	for _, c := range rep.Changed {
		fmt.Fprintf(w, "\n%s\n  %s -> %s\n", c.Source, outcome(c.Old), outcome(c.New))
		for _, id := range c.Appeared {
			fmt.Fprintf(w, "  + %s (%s)\n", id, c.New.Unsatisfied[id])
		}
		for _, id := range c.Disappeared {
			fmt.Fprintf(w, "  - %s (was %s)\n", id, c.Old.Unsatisfied[id])
		}
	}
	fmt.Fprintln(w, "\ncountry  number type  use       decisions  changed")
	for _, g := range rep.Groups {
		fmt.Fprintf(w, "%-8s %-12s %-9s %9d  %7d\n", orDash(g.Country), orDash(g.NumberType), orDash(g.Use), g.Decisions, g.Changed)
	}
}

func outcome(o whatif.Outcome) string {
	if o.Error != "" {
		return "refused (" + o.Error + ")"
	}
	s := fmt.Sprintf("%s, allow %v", o.Status, o.Allow)
	if len(o.Reasons) > 0 {
		s += ", reasons " + strings.Join(o.Reasons, " ")
	}
	return s
}

func short(rev string) string {
	if len(rev) > 19 {
		return rev[:19]
	}
	return rev
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
