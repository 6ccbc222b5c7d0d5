package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"strings"
)

// tokenCmd makes a new bearer token and the tokens-file entry that accepts it.
type tokenCmd struct{ stdout, stderr io.Writer }

func (c *tokenCmd) run(args []string) int {
	if len(args) == 0 || args[0] != "new" {
		fmt.Fprintln(c.stderr, "Usage: numgate token new --name NAME --roles decide[,audit,admin]")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return exitOK
		}
		return exitUsage
	}
	fs := flag.NewFlagSet("token new", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate token new --name NAME --roles ROLES

Prints a new random bearer token (give it to the caller; it is shown once) and the entry
to add under tokens: in the file given to numgate serve --tokens. The file holds only the
token's SHA-256. Roles: decide, audit, admin.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	name := fs.String("name", "", "the caller's `NAME`, as logs and errors show it")
	rolesFlag := fs.String("roles", "decide", "comma-separated `ROLES`: decide, audit, admin")
	positional, err := parseFlags(fs, args[1:])
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate token new: unexpected argument %q\n", positional[0])
		return exitUsage
	}
	if *name == "" {
		fmt.Fprintln(c.stderr, "numgate token new: --name is required")
		return exitUsage
	}
	var roles []string
	for _, r := range strings.Split(*rolesFlag, ",") {
		switch r = strings.TrimSpace(r); r {
		case "decide", "audit", "admin":
			roles = append(roles, r)
		default:
			fmt.Fprintf(c.stderr, "numgate token new: role %q is not decide, audit or admin\n", r)
			return exitUsage
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		fmt.Fprintln(c.stderr, "numgate token new:", err)
		return exitError
	}
	token := "ngt_" + base64.RawURLEncoding.EncodeToString(secret)
	sum := sha256.Sum256([]byte(token))
	fmt.Fprintf(c.stdout, "token (give it to %s; it is not stored anywhere):\n  %s\n\nentry for the tokens file:\n  - name: %s\n    sha256: %s\n    roles: [%s]\n",
		*name, token, *name, hex.EncodeToString(sum[:]), strings.Join(roles, ", "))
	return exitOK
}
