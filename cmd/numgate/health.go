package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/numgate/numgate/internal/healthcheck"
)

// healthCmd asks a running server whether it is ready (or alive), for a container's
// HEALTHCHECK or a probe in an image with no shell or curl.
type healthCmd struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

func (c *healthCmd) run(args []string) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.stderr, `Usage: numgate health [flags]

Asks a running numgate serve whether it is ready (GET /readyz: a policy is loaded, the
decision log is writable, it is not shutting down) or, with --live, alive (GET /healthz).
Prints one line and exits 0 when it is, 1 when it answers otherwise, cannot be reached or
does not answer within --timeout, 2 for a usage error, 3 when the probe cannot be set up.
Without --url it probes the server this environment configures: NUMGATE_ADDR on
127.0.0.1, over HTTPS when NUMGATE_TLS_CERT is set, accepting exactly that certificate.

Flags:`)
		printFlags(c.stderr, fs, nil)
	}
	var p healthcheck.Probe
	fs.StringVar(&p.URL, "url", "", "the server's base `URL` (default from NUMGATE_ADDR, else http://127.0.0.1:8080)")
	fs.BoolVar(&p.Live, "live", false, "ask /healthz (alive) instead of /readyz (ready)")
	timeout := fs.Duration("timeout", healthcheck.Timeout, "give up after this long")
	tokenFile := fs.String("token-file", "", "send the bearer token held in this `FILE` (or NUMGATE_HEALTH_TOKEN); /readyz and /healthz need none, a proxy in front may")
	fs.StringVar(&p.CAFile, "ca", "", "verify the server's certificate with this CA `FILE` (PEM)")
	fs.StringVar(&p.CertFile, "cert", "", "client certificate `FILE` (PEM), for a server started with --tls-client-ca")
	fs.StringVar(&p.KeyFile, "key", "", "client key `FILE` (PEM)")
	fs.StringVar(&p.ServerName, "server-name", "", "verify the certificate against this `NAME` rather than the URL's host")
	fs.BoolVar(&p.InsecureSkipVerify, "insecure-skip-verify", false, "accept any server certificate (a self-signed one on loopback)")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(positional) > 0 {
		fmt.Fprintf(c.stderr, "numgate health: unexpected argument %q; give the server with --url\n", positional[0])
		return exitUsage
	}
	if *timeout <= 0 {
		fmt.Fprintf(c.stderr, "numgate health: --timeout %s must be positive\n", *timeout)
		return exitUsage
	}
	if p.URL == "" {
		p.URL = healthcheck.DefaultURL(c.getenv)
		// Beside its server, the probe trusts exactly the server's certificate: it names
		// the service, not 127.0.0.1, and may come from a private CA.
		if cert := c.getenv("NUMGATE_TLS_CERT"); cert != "" && p.CAFile == "" && !p.InsecureSkipVerify {
			p.PinnedCertFile = cert
		}
	}
	if !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
		fmt.Fprintf(c.stderr, "numgate health: --url %q must start with http:// or https://\n", p.URL)
		return exitUsage
	}
	p.Token = c.getenv("NUMGATE_HEALTH_TOKEN")
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintln(c.stderr, "numgate health: --token-file:", err)
			return exitError
		}
		p.Token = strings.TrimSpace(string(b))
	}
	what := "ready"
	if p.Live {
		what = "alive"
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	res, err := healthcheck.Check(ctx, p)
	switch {
	case errors.Is(err, healthcheck.ErrSetup):
		fmt.Fprintln(c.stderr, "numgate health:", err)
		return exitError
	case err != nil:
		fmt.Fprintf(c.stdout, "not %s: %s: %v\n", what, p.URL, err)
		return exitFailed
	case !res.OK:
		fmt.Fprintf(c.stdout, "not %s: %s answered %d %s\n", what, p.URL, res.Status, res.Reason)
		return exitFailed
	}
	if res.Revision != "" {
		fmt.Fprintf(c.stdout, "%s: %s serves revision %s\n", what, p.URL, res.Revision)
	} else {
		fmt.Fprintf(c.stdout, "%s: %s\n", what, p.URL)
	}
	return exitOK
}
