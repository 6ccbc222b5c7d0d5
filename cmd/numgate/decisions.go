package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/numgate/numgate/server"
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
	kind := fs.String("kind", "", "activation, account_action or contact_verification (or as in a URL: account-action)")
	status := fs.String("status", "", "only this status (one the kind answers)")
	country := fs.String("country", "", "only this country (ISO 3166-1 alpha-2)")
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate decisions export: unexpected argument %q\n", positional[0])
		return exitUsage
	}
	// The API's own reading of the filters: a kind, status or country that cannot match
	// is refused rather than exported as nothing.
	q := url.Values{}
	for name, v := range map[string]string{"kind": *kind, "status": *status, "country": *country, "since": *since, "until": *until} {
		if v != "" {
			q.Set(name, v)
		}
	}
	f, err := server.ParseLogFilter(q)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate decisions export:", err)
		return exitUsage
	}
	// A mistyped path would open a new, empty log and export nothing.
	if file, ok := strings.CutPrefix(*dsn, "sqlite:"); ok {
		file, _, _ = strings.Cut(file, "?")
		if _, err := os.Stat(file); err != nil {
			fmt.Fprintf(c.stderr, "numgate decisions export: no decision log at %s (%v); give the --decision-log numgate serve writes\n", file, err)
			return exitError
		}
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
