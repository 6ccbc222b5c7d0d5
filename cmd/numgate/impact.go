package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/numgate/numgate/engine/whatif"
)

// impactCmd lists approved identities a policy no longer lets activate.
type impactCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

func (c *impactCmd) run(args []string) int {
	fs := flag.NewFlagSet("impact", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate impact --dossiers FILE [flags]

Decides every approved identity of the dossier file (dossiers: [{id, number, identity,
account}], YAML or JSON) with the policy tree and lists, grouped by country, those that
can no longer activate, with what each must now provide. Exit 1 when any is affected.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	file := fs.String("dossiers", "", "the dossier `FILE`")
	format := fs.String("format", "text", "output: text or json")
	at := fs.String("at", "", "decide as of this RFC 3339 `TIME` (a dated change's first day); default each dossier's own time or now")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate impact: unexpected argument %q; give the file with --dossiers\n", positional[0])
		return exitUsage
	}
	times, err := diffTimes(*at, "")
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate impact:", err)
		return exitUsage
	}
	if *file == "" {
		fmt.Fprintln(c.stderr, "numgate impact: --dossiers FILE is required")
		return exitUsage
	}
	ctx := context.Background()
	snap, code := c.trees.load(ctx, "impact", c.stderr, nil)
	if code != exitOK {
		return code
	}
	dossiers, err := whatif.FromDossiers(*file)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate impact:", err)
		return exitError
	}
	affected := whatif.Impact(ctx, snap, dossiers, times.Head)
	n := 0
	for _, as := range affected {
		n += len(as)
	}
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"dossiers": len(dossiers), "affected": n, "by_country": affected})
	} else {
		fmt.Fprintf(c.stdout, "%d dossiers, %d can no longer activate (revision %s)\n", len(dossiers), n, short(snap.Revision))
		countries := make([]string, 0, len(affected))
		for k := range affected {
			countries = append(countries, k)
		}
		sort.Strings(countries)
		for _, country := range countries {
			fmt.Fprintf(c.stdout, "\n%s\n", orDash(country))
			for _, a := range affected[country] {
				fmt.Fprintf(c.stdout, "  %s (%s %s): %s\n", a.Dossier, a.NumberType, a.Use, orDash(a.Status+a.Error))
				ids := make([]string, 0, len(a.MustNow))
				for id := range a.MustNow {
					ids = append(ids, id)
				}
				sort.Strings(ids)
				for _, id := range ids {
					fmt.Fprintf(c.stdout, "    %s: %s\n", id, a.MustNow[id])
				}
				for _, v := range a.Reasons {
					fmt.Fprintf(c.stdout, "    violation: %s\n", v)
				}
			}
		}
	}
	if n > 0 {
		return exitFailed
	}
	return exitOK
}
