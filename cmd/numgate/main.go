// Command numgate is the numgate policy service (serve) and its tools: check, eval and
// test run on the country files and policies of a working tree, without a server.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/numgate/numgate/internal/buildinfo"
)

// Exit codes, the same for every subcommand.
const (
	exitOK      = 0 // all is well
	exitFailed  = 1 // the subcommand ran and found problems: invalid files, failed tests, a refused input
	exitUsage   = 2 // the command line is wrong
	exitError   = 3 // the subcommand could not run (unreadable file, I/O error)
	usageHeader = `numgate: phone-number compliance decisions

Usage:
  numgate serve [flags]                                the HTTP decision service
  numgate check [flags]                                validate country files and policies
  numgate eval  [flags] --kind KIND FILE|-             print one decision as JSON
  numgate requirements --country CC --type T --use U   what must be provided, as JSON (or --number +E164 --use U)
  numgate coverage [--format text|json|html]           what the country files cover: the country × type × use matrix
  numgate test  [flags]                                Rego unit tests and decision cases
  numgate token new --name NAME --roles ROLES          a bearer token and its tokens-file entry
  numgate decisions export [flags]                     the decision log as JSON Lines
  numgate bundle -o FILE [flags]                       an OPA bundle the stock opa run --server serves
  numgate diff [--base DIR|REV] [--corpus SRC] [flags]  which decisions a policy change flips
  numgate impact --dossiers FILE [flags]               approved identities a policy no longer lets activate
  numgate health [flags]                               is the server at --url (or NUMGATE_ADDR) ready? exit 0 or 1
  numgate version [flags]                              version, commit, Go and OPA versions (also --version)

Run "numgate COMMAND --help" for a command's flags.

Exit codes: 0 ok, 1 problems found (invalid files, failed tests, refused input),
2 usage error, 3 could not run.
`
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageHeader)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return (&serveCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "diff":
		return (&diffCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "impact":
		return (&impactCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "bundle":
		return (&bundleCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "decisions":
		return (&decisionsCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "token":
		return (&tokenCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "check":
		return (&checkCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "eval":
		return (&evalCmd{stdin: stdin, stdout: stdout, stderr: stderr}).run(args[1:])
	case "test":
		return (&testCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "requirements":
		return (&requirementsCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "coverage":
		return (&coverageCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "health":
		return (&healthCmd{stdout: stdout, stderr: stderr, getenv: os.Getenv}).run(args[1:])
	case "version":
		return (&versionCmd{stdout: stdout, stderr: stderr, build: buildinfo.Read()}).run(args[1:])
	case "--version", "-version":
		fmt.Fprintln(stdout, buildinfo.Read())
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usageHeader)
		return exitOK
	}
	fmt.Fprintf(stderr, "numgate: unknown command %q\n\n%s", args[0], usageHeader)
	return exitUsage
}
