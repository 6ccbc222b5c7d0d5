package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/numgate/numgate/server/decisionlog"
)

// decisionsCmd reads the decision log: `numgate decisions export` writes JSON Lines.
type decisionsCmd struct{ stdout, stderr io.Writer }

func (c *decisionsCmd) run(args []string) int {
	if len(args) == 0 || args[0] != "export" {
		fmt.Fprintln(c.stderr, "Usage: numgate decisions export [--decision-log DSN] [--since T] [--until T] [--kind K] [--status S] [--country C]")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return exitOK
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("decisions export", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate decisions export [flags]

Writes the logged decisions that match, newest first (in commit order), one JSON object
per line: decision_id, decided_at, kind, status, country, allow, policy_revision,
latency_us, principal, input (masked) and result (masked).

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	dsn := fs.String("decision-log", defaultDecisionLog, "the decision log: sqlite:PATH or postgres://... (`DSN`)")
	since := fs.String("since", "", "only decisions at or after this RFC 3339 `TIME`")
	until := fs.String("until", "", "only decisions before this RFC 3339 `TIME`")
	var f decisionlog.Filter
	fs.StringVar(&f.Kind, "kind", "", "activation, account_action or contact_verification")
	fs.StringVar(&f.Status, "status", "", "only this status")
	fs.StringVar(&f.Country, "country", "", "only this country")
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate decisions export: unexpected argument %q\n", positional[0])
		return exitUsage
	}
	for _, t := range []struct {
		flag, v string
		dst     *time.Time
	}{{"since", *since, &f.Since}, {"until", *until, &f.Until}} {
		if t.v == "" {
			continue
		}
		parsed, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			fmt.Fprintf(c.stderr, "numgate decisions export: --%s %q is not RFC 3339, e.g. 2026-11-01T00:00:00Z\n", t.flag, t.v)
			return exitUsage
		}
		*t.dst = parsed
	}
	ctx := context.Background()
	store, err := decisionlog.Open(ctx, *dsn)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate decisions export:", err)
		return exitError
	}
	defer store.Close()
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	f.Limit = 1000
	n := 0
	for {
		page, err := store.List(ctx, f)
		if err != nil {
			fmt.Fprintln(c.stderr, "numgate decisions export:", err)
			return exitError
		}
		for _, r := range page.Records {
			if err := enc.Encode(r); err != nil {
				return exitError
			}
			n++
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	fmt.Fprintf(c.stderr, "numgate decisions export: %d decisions\n", n)
	return exitOK
}
