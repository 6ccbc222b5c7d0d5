package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/numgate/numgate/engine"
)

// bundleCmd writes the policy tree as an OPA bundle that the stock OPA server serves.
type bundleCmd struct {
	stdout, stderr io.Writer
	trees          treeFlags
}

func (c *bundleCmd) run(args []string) int {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate bundle -o FILE [flags]

Validates the countries and policies and writes them as an OPA bundle (tar.gz): the Rego
policies (tests left out), the data document as data.json (countries as the engine
normalises them, requirement entries, product, account and contact rules) and a
.manifest with the policy revision and the roots `+fmt.Sprint(engine.BundleRoots)+`,
signed when --signing-key is given. Serve it with: opa run --server --bundle FILE
(with --verification-key for a signed bundle)

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	c.trees.register(fs)
	out := fs.String("o", "", "the bundle `FILE` to write")
	signingKey := fs.String("signing-key", "", "sign the bundle with this private key (PEM) or HMAC secret `FILE`; opa run --verification-key checks it")
	signingAlg := fs.String("signing-alg", "RS256", "signing `ALGORITHM` (RS256, ES256, HS256, ...)")
	keyID := fs.String("key-id", "default", "the key `ID` written into the signature")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if *out == "" || len(positional) > 0 {
		fmt.Fprintln(c.stderr, "numgate bundle: expected -o FILE and no other argument")
		return exitUsage
	}
	ctx := context.Background()
	snap, code := c.trees.load(ctx, "bundle", c.stderr, nil)
	if code != exitOK {
		return code
	}
	var sign *engine.BundleKey
	if *signingKey != "" {
		key, err := os.ReadFile(*signingKey)
		if err != nil {
			fmt.Fprintln(c.stderr, "numgate bundle: --signing-key:", err)
			return exitError
		}
		sign = &engine.BundleKey{Key: key, Alg: *signingAlg, KeyID: *keyID}
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(c.stderr, "numgate bundle:", err)
		return exitError
	}
	if err := snap.WriteBundle(ctx, f, sign); err != nil {
		f.Close()
		_ = os.Remove(*out)
		fmt.Fprintln(c.stderr, "numgate bundle:", err)
		return exitFailed
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(c.stderr, "numgate bundle:", err)
		return exitError
	}
	fmt.Fprintf(c.stdout, "wrote %s: %d countries, revision %s\n", *out, len(snap.Countries()), snap.Revision)
	return exitOK
}
