package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/numgate/numgate/engine"
)

// requirementsKind is what eval asks for besides the decision kinds: an offer's
// requirements.
const requirementsKind = "requirements"

// evalCmd makes one decision from a JSON file and prints it, with no server.
type evalCmd struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	trees          treeFlags
}

func (c *evalCmd) run(args []string) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate eval [flags] --kind KIND FILE|-

Makes one decision from the JSON request in FILE (or stdin for -) and prints it as JSON.
activation, account_action, contact_verification (or account-action, as in the URL):
the body of POST /v1/decisions/KIND.
requirements: {"country": "DE", "number_type": "local", "use": "business"}.
A request that must be fixed prints {"error": ...} and exits 1.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	c.trees.registerEvaluator(fs)
	kind := fs.String("kind", "activation", "decision `KIND`: activation, account_action, contact_verification, or requirements")
	now := fs.String("now", "", "decision `TIME` (RFC 3339) when the request gives none; default the clock")
	lang := fs.String("lang", "", "the `LANGUAGE` of the messages, a BCP 47 tag such as de or pt-BR (docs/languages.md); default English")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) != 1 {
		fmt.Fprintf(c.stderr, "numgate eval: expected one FILE argument (or - for stdin), got %d\n", len(positional))
		return exitUsage
	}
	var decisionKind engine.Kind
	if *kind != requirementsKind {
		k, err := engine.ParseKind(*kind)
		if err != nil {
			fmt.Fprintf(c.stderr, "numgate eval: --kind: %v, or %s\n", err, requirementsKind)
			return exitUsage
		}
		decisionKind = k
	}
	var clock func() time.Time
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			fmt.Fprintf(c.stderr, "numgate eval: --now %q is not RFC 3339, e.g. 2026-11-25T12:00:00Z\n", *now)
			return exitUsage
		}
		clock = func() time.Time { return t }
	}
	body, err := c.read(positional[0])
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate eval:", err)
		return exitError
	}
	ctx := context.Background()
	snap, code := c.trees.load(ctx, "eval", c.stderr, clock)
	if code != exitOK {
		return code
	}
	language, err := snap.Language(*lang, "")
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate eval: --lang:", err)
		return exitUsage
	}

	var decision any
	if *kind == requirementsKind {
		var q engine.RequirementsQuery
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err = dec.Decode(&q); err != nil {
			err = &engine.InputError{Err: engine.ErrInvalidInput, Problems: []engine.Problem{{Code: "malformed_json",
				Message: fmt.Sprintf("%v; expected {\"country\": \"DE\", \"number_type\": \"local\", \"use\": \"business\"}", err)}}}
		} else {
			if *lang != "" || q.Language == "" {
				q.Language = language
			}
			decision, err = snap.Requirements(ctx, q)
		}
	} else {
		decision, err = snap.DecideIn(ctx, language, decisionKind, body)
	}
	var ie *engine.InputError
	switch {
	case errors.As(err, &ie):
		c.print(map[string]any{"error": map[string]any{"code": errorCode(ie), "message": ie.Error(), "details": ie.Problems}})
		return exitFailed
	case err != nil:
		fmt.Fprintln(c.stderr, "numgate eval:", err)
		return exitError
	}
	c.print(decision)
	return exitOK
}

func (c *evalCmd) read(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(c.stdin)
	}
	return os.ReadFile(name)
}

func (c *evalCmd) print(v any) { printJSON(c.stdout, v) }

// printJSON writes v indented, as the commands that print a decision or an answer do.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func errorCode(ie *engine.InputError) string {
	if errors.Is(ie, engine.ErrUnknownCountry) {
		return "unknown_country"
	}
	return "invalid_input"
}
