package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/numgate/numgate/engine"
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
		fmt.Fprintln(c.stderr, "Usage: numgate check [flags]\n\nValidates country files, the catalogue, product rules and Rego policies. Prints every\nproblem as file:line:column: message and exits 1; when all is well prints a summary\nline, then each decision's evaluator (plan, or topdown with why and where), and exits 0.\n\nFlags:")
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate check: unexpected argument %q; check takes only flags\n", positional[0])
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
	return exitOK
}

// usageExit maps a flag parse error: --help is not a failure.
func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
