package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
)

// requirementsCmd prints what must be provided for an offer, as GET /v1/requirements
// answers it, with no server.
type requirementsCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

func (c *requirementsCmd) run(args []string) int {
	fs := flag.NewFlagSet("requirements", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate requirements --country CC --type TYPE --use USE [flags]
       numgate requirements --number +E164 --use USE [--country CC] [--type TYPE] [flags]

Prints, as JSON, what must be provided before a number may activate: fields, address and
its scope, proof of address, documents, with their sources and confidence, and whether
the offer is available at all. By country, number type and use; or by number, whose
country and type numgate reads from it, giving every country and type it can be
(--country and --type narrow them). The same answer as GET /v1/requirements. A question
that must be fixed prints {"error": ...} and exits 1.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	country := fs.String("country", "", "the `COUNTRY` (ISO 3166 alpha-2, e.g. DE); with --number, one of the countries it can belong to")
	numberType := fs.String("type", "", "the number `TYPE`: "+strings.Join(engine.NumberTypes, ", "))
	use := fs.String("use", "", "the `USE`: "+strings.Join(engine.Uses, ", "))
	number := fs.String("number", "", "a phone `NUMBER` in E.164 form, e.g. +4930901820: its country and type are read from it")
	at := fs.String("at", "", "the rules in force at this RFC 3339 `TIME`; default now")
	lang := fs.String("lang", "", "the `LANGUAGE` of the messages, a BCP 47 tag such as de or pt-BR (docs/languages.md); default English")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(c.stderr, "numgate requirements: unexpected argument %q; ask with --country/--type/--use or --number/--use\n", positional[0])
		return exitUsage
	case *number == "" && (*country == "" || *numberType == ""):
		fmt.Fprintln(c.stderr, "numgate requirements: give --country, --type and --use, or --number and --use")
		return exitUsage
	case *use == "":
		fmt.Fprintln(c.stderr, "numgate requirements: --use is required: "+strings.Join(engine.Uses, " or "))
		return exitUsage
	}
	var when time.Time
	if *at != "" {
		if when, err = time.Parse(time.RFC3339, *at); err != nil {
			fmt.Fprintf(c.stderr, "numgate requirements: --at %q is not RFC 3339, e.g. 2027-01-01T00:00:00Z\n", *at)
			return exitUsage
		}
	}
	ctx := context.Background()
	snap, code := c.trees.load(ctx, "requirements", c.stderr, nil)
	if code != exitOK {
		return code
	}
	language, err := snap.Language(*lang, "")
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate requirements: --lang:", err)
		return exitUsage
	}
	var answer any
	if *number != "" {
		answer, err = snap.RequirementsForNumber(ctx, engine.NumberQuery{
			E164: *number, Country: strings.ToUpper(*country), NumberType: *numberType, Use: *use, At: when, Language: language,
		})
	} else {
		answer, err = snap.Requirements(ctx, engine.RequirementsQuery{Country: strings.ToUpper(*country), NumberType: *numberType, Use: *use, At: when, Language: language})
	}
	var ie *engine.InputError
	switch {
	case errors.As(err, &ie):
		printJSON(c.stdout, map[string]any{"error": map[string]any{"code": errorCode(ie), "message": ie.Error(), "details": ie.Problems}})
		return exitFailed
	case err != nil:
		fmt.Fprintln(c.stderr, "numgate requirements:", err)
		return exitError
	}
	printJSON(c.stdout, answer)
	return exitOK
}
