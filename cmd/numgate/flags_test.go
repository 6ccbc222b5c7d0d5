package main

import (
	"bytes"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseFlagsAnywhere(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		kind       string
		verbose    bool
		positional []string
	}{
		{[]string{"--kind", "requirements", "FILE"}, "requirements", false, []string{"FILE"}},
		{[]string{"FILE", "--kind", "requirements"}, "requirements", false, []string{"FILE"}},
		{[]string{"-", "-v", "--kind=account-action"}, "account-action", true, []string{"-"}},
		{[]string{"a", "-v", "b"}, "activation", true, []string{"a", "b"}},
		{[]string{"--", "--kind", "x"}, "activation", false, []string{"--kind", "x"}},
		{[]string{"a", "--", "-v"}, "activation", false, []string{"a", "-v"}},
		{nil, "activation", false, nil},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		kind := fs.String("kind", "activation", "")
		verbose := fs.Bool("v", false, "")
		got, err := parseFlags(fs, tc.args)
		if err != nil || *kind != tc.kind || *verbose != tc.verbose || !slices.Equal(got, tc.positional) {
			t.Errorf("%q: kind %q verbose %v positional %q err %v; want %q %v %q", tc.args, *kind, *verbose, got, err, tc.kind, tc.verbose, tc.positional)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := parseFlags(fs, []string{"FILE", "--nope"}); err == nil {
		t.Error("an unknown flag after FILE was accepted")
	}
}

func TestPrintFlagsOneStyle(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("tokens", "", "tokens `FILE`")
	fs.Duration("read-timeout", 10*time.Second, "time to read a request")
	fs.Bool("watch", true, "reload on change")
	fs.Bool("v", false, "verbose")
	fs.String("o", "", "the `FILE` to write")
	var out bytes.Buffer
	printFlags(&out, fs, map[string]string{"tokens": "NUMGATE_TOKENS"})
	want := `  -o FILE
      the FILE to write
  --read-timeout DURATION
      time to read a request (default 10s)
  --tokens FILE  [NUMGATE_TOKENS]
      tokens FILE
  -v
      verbose
  --watch
      reload on change (default true)
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	if strings.Contains(out.String(), `(default "")`) {
		t.Error(`an empty default is printed`)
	}
}
