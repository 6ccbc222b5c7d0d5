package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/internal/coveragereport"
)

// coverageCmd prints the coverage matrix: every configured country × number type × use,
// available, not available or unknown, with confidence, staleness and disputes.
type coverageCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

func (c *coverageCmd) run(args []string) int {
	fs := flag.NewFlagSet("coverage", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate coverage [flags]

Prints what the country files cover: for every configured country, number type and use,
whether it is available, not available (the sources say so) or unknown (no rules on
file), the facts' confidence, whether their newest source is stale, and whether the
sources disagree. As text, JSON (the same as GET /v1/coverage) or one self-contained
HTML page.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	format := fs.String("format", "text", "`FORMAT`: text, json or html")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	at := fs.String("at", "", "as of this RFC 3339 `TIME`; default now")
	staleAfter := fs.String("stale-after", "", "stale when the newest source was read more than `DAYS` ago (e.g. 180d); default the policy data's facts.stale_after_days")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate coverage: unexpected argument %q; coverage takes only flags\n", positional[0])
		return exitUsage
	}
	render := map[string]func(io.Writer, *engine.Coverage) error{
		"text": coveragereport.Text,
		"html": coveragereport.HTML,
		"json": func(w io.Writer, cov *engine.Coverage) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(cov)
		},
	}[*format]
	if render == nil {
		fmt.Fprintf(c.stderr, "numgate coverage: --format %q is not text, json or html\n", *format)
		return exitUsage
	}
	var q engine.CoverageQuery
	if q.StaleAfterDays, err = parseDays(*staleAfter); err != nil {
		fmt.Fprintln(c.stderr, "numgate coverage: --stale-after:", err)
		return exitUsage
	}
	if *at != "" {
		if q.At, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(c.stderr, "numgate coverage: --at %q is not RFC 3339, e.g. 2027-01-01T00:00:00Z\n", *at)
			return exitUsage
		}
	}
	ctx := context.Background()
	snap, code := c.trees.load(ctx, "coverage", c.stderr, nil)
	if code != exitOK {
		return code
	}
	cov, err := snap.Coverage(ctx, q)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate coverage:", err)
		return exitError
	}
	w := c.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(c.stderr, "numgate coverage:", err)
			return exitError
		}
		defer f.Close()
		w = f
	}
	if err := render(w, cov); err != nil {
		fmt.Fprintln(c.stderr, "numgate coverage:", err)
		return exitError
	}
	return exitOK
}
