package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// parseFlags parses args with fs, accepting flags before and after the positional
// arguments (numgate eval FILE --kind requirements reads as numgate eval --kind
// requirements FILE); everything after "--" is positional. It returns the positional
// arguments in order.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// Parse stops at the first non-flag argument, or just after "--".
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// printFlags writes fs's flags in the one style every numgate --help uses: a long flag as
// --name, a one-letter flag as -x, its value's placeholder, the environment variable that
// also sets it (env, when given), its text and its default, left out when it is empty,
// zero or false.
func printFlags(w io.Writer, fs *flag.FlagSet, env map[string]string) {
	fs.VisitAll(func(f *flag.Flag) {
		name := "--" + f.Name
		if len(f.Name) == 1 {
			name = "-" + f.Name
		}
		placeholder, usage := flag.UnquoteUsage(f)
		line := "  " + name
		if placeholder != "" {
			line += " " + strings.ToUpper(placeholder)
		}
		if v, ok := env[f.Name]; ok {
			line += "  [" + v + "]"
		}
		fmt.Fprintln(w, line)
		if !isZeroDefault(f) {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "      %s\n", usage)
	})
}

// isZeroDefault says whether a flag's default is worth leaving out: nothing, zero, false.
func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}
