package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/internal/coveragereport"
)

// checkCmd validates every country file and policy and reports all problems at once.
type checkCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

func (c *checkCmd) run(args []string) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, "Usage: numgate check [flags]\n\nValidates country files, the catalogue, product rules and Rego policies. Prints every\nproblem as file:line:column: message and exits 1; when all is well prints a summary\nline, each decision's evaluator (plan, or topdown with why and where), the coverage,\nand a warning at each offer whose newest source is stale or whose sources disagree;\nexits 0 (1 with --strict when there are warnings).\n\nFlags:")
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	staleAfter := fs.String("stale-after", "", "warn when an offer's newest source was read more than `DAYS` ago (e.g. 180d); default the policy data's facts.stale_after_days")
	strict := fs.Bool("strict", false, "fail (exit 1) on warnings too, for CI")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate check: unexpected argument %q; check takes only flags\n", positional[0])
		return exitUsage
	}
	days, err := parseDays(*staleAfter)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate check: --stale-after:", err)
		return exitUsage
	}
	cfg, err := c.trees.config(c.stderr)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate check:", err)
		return exitError
	}
	start := time.Now()
	snap, err := engine.Load(context.Background(), cfg)
	var ds engine.Diagnostics
	switch {
	case errors.As(err, &ds):
		for _, d := range ds {
			fmt.Fprintln(c.stdout, d)
		}
		fmt.Fprintf(c.stderr, "numgate check: %d problem(s) found\n", len(ds))
		return exitFailed
	case err != nil:
		fmt.Fprintln(c.stderr, "numgate check:", err)
		return exitError
	}
	fmt.Fprintf(c.stdout, "ok: %d countries, %d files, revision %s (%s)\n",
		len(snap.Countries()), len(snap.Files), snap.Revision, time.Since(start).Round(time.Millisecond))
	// Which evaluator makes each decision, and why OPA's when it is: a policy edit that
	// planeval cannot run exactly shows here before it is served.
	for _, e := range snap.Evaluators() {
		fmt.Fprintln(c.stdout, e)
	}
	q := engine.CoverageQuery{StaleAfterDays: days}
	cov, err := snap.Coverage(context.Background(), q)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate check:", err)
		return exitError
	}
	t := cov.Totals
	unit := "days"
	if cov.StaleAfterDays == 1 {
		unit = "day"
	}
	fmt.Fprintf(c.stdout, "coverage: %d countries; offers %d available, %d not available, %d unknown; %d stale (over %d %s), %d disputed\n",
		t.Countries, t.Available, t.NotAvailable, t.Unknown, t.Stale, cov.StaleAfterDays, unit, t.Disputed)
	// Per language, how much is translated and reviewed (docs/translations.md).
	coveragereport.Translations(c.stdout, snap.Translations())
	warnings, err := snap.FactWarnings(context.Background(), q)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate check:", err)
		return exitError
	}
	for _, w := range warnings {
		fmt.Fprintln(c.stdout, w)
	}
	if *strict && len(warnings) > 0 {
		fmt.Fprintf(c.stderr, "numgate check: %d warning(s), and --strict fails on warnings\n", len(warnings))
		return exitFailed
	}
	return exitOK
}

// parseDays reads a number of days written 180 or 180d ("" is 0: the default).
func parseDays(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
	if err != nil || n < 1 || n > 3650 {
		return 0, fmt.Errorf("%q is not a number of days from 1 to 3650, e.g. 180d", s)
	}
	return n, nil
}

// usageExit maps a flag parse error: --help is not a failure.
func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
