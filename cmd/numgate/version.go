package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/numgate/numgate/internal/buildinfo"
)

// versionCmd prints which numgate this is: numgate version, or numgate --version.
type versionCmd struct {
	stdout, stderr io.Writer
	build          buildinfo.Info
}

func (c *versionCmd) run(args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	format := fs.String("format", "text", "output: text or json")
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate version [flags]

Prints numgate's version and commit, and the Go and OPA versions it was built with. A
release build carries its version; another build reports what Go recorded (the module
version for go install, the commit for go build in a checkout) or "devel".

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate version: unexpected argument %q\n", positional[0])
		return exitUsage
	}
	switch *format {
	case "text":
		fmt.Fprintln(c.stdout, c.build)
	case "json":
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(c.build)
	default:
		fmt.Fprintf(c.stderr, "numgate version: --format %q is not text or json\n", *format)
		return exitUsage
	}
	return exitOK
}
