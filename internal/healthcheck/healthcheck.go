// Package healthcheck asks a running numgate whether it is ready (GET /readyz) or alive
// (GET /healthz), for numgate health: a container's HEALTHCHECK and a probe where the
// image has no shell or curl.
package healthcheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// Probe says what to ask and how to reach it.
type Probe struct {
	URL   string // the server's base URL, e.g. http://127.0.0.1:8080
	Live  bool   // ask /healthz (the process is alive) instead of /readyz (it can serve)
	Token string // a bearer token, when a proxy in front asks for one

	CAFile             string // verify the server's certificate with this CA (PEM)
	CertFile, KeyFile  string // a client certificate, when the server requires one
	ServerName         string // the name to verify the certificate against
	InsecureSkipVerify bool   // accept any certificate (a self-signed one on loopback)
	// PinnedCertFile accepts exactly the certificate in this file (PEM, the first
	// certificate): the server's own, when the probe runs beside it (NUMGATE_TLS_CERT),
	// whose certificate names the service, not 127.0.0.1, and may come from a private CA.
	PinnedCertFile string
}

// Result is the server's answer.
type Result struct {
	OK       bool   // 200
	Status   int    // the HTTP status
	Revision string // the policy revision being served, from a ready answer
	Reason   string // why not: the error code and message of a 503
}

// ErrSetup: the probe could not be built (an unreadable CA or certificate); no request
// was sent.
var ErrSetup = errors.New("health probe setup")

// Check sends one request and reads the answer. A server that cannot be reached is an
// error; a server that answers anything but 200 is a Result with OK false.
func Check(ctx context.Context, p Probe) (Result, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // a probe of this machine's server goes straight to it
	if strings.HasPrefix(p.URL, "https://") {
		cfg, err := p.tlsConfig()
		if err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrSetup, err)
		}
		transport.TLSClientConfig = cfg
	}
	client := &http.Client{Transport: transport}
	defer client.CloseIdleConnections()
	path := "/readyz"
	if p.Live {
		path = "/healthz"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(p.URL, "/")+path, nil)
	if err != nil {
		return Result{}, fmt.Errorf("%w: --url %q: %v", ErrSetup, p.URL, err)
	}
	if p.Token != "" {
		req.Header.Set("Authorization", "Bearer "+p.Token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	var body struct {
		Revision string `json:"revision"`
		Error    struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(raw, &body)
	r := Result{OK: resp.StatusCode == http.StatusOK, Status: resp.StatusCode, Revision: body.Revision}
	if !r.OK {
		r.Reason = strings.TrimSpace(body.Error.Code + ": " + body.Error.Message)
		if body.Error.Code == "" {
			r.Reason = strings.TrimSpace(string(raw))
		}
	}
	return r, nil
}

func (p Probe) tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: p.ServerName, InsecureSkipVerify: p.InsecureSkipVerify} //nolint:gosec // the operator's explicit choice for a self-signed loopback certificate
	if p.CAFile != "" {
		caPEM, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("--ca %s holds no PEM certificate", p.CAFile)
		}
		cfg.RootCAs = pool
	}
	if p.PinnedCertFile != "" {
		raw, err := os.ReadFile(p.PinnedCertFile)
		if err != nil {
			return nil, fmt.Errorf("the server's certificate: %w", err)
		}
		var block *pem.Block
		for rest := raw; ; {
			if block, rest = pem.Decode(rest); block == nil || block.Type == "CERTIFICATE" {
				break
			}
		}
		if block == nil {
			return nil, fmt.Errorf("%s holds no PEM certificate", p.PinnedCertFile)
		}
		pinned := block.Bytes
		// The chain is not verified against a CA, the exact certificate is: nothing else
		// can answer as this server.
		cfg.InsecureSkipVerify = true //nolint:gosec // replaced by the pin below
		cfg.VerifyPeerCertificate = func(certs [][]byte, _ [][]*x509.Certificate) error {
			if len(certs) == 0 || !bytes.Equal(certs[0], pinned) {
				return fmt.Errorf("the server's certificate is not the one in %s", p.PinnedCertFile)
			}
			return nil
		}
	}
	if (p.CertFile == "") != (p.KeyFile == "") {
		return nil, fmt.Errorf("--cert and --key go together")
	}
	if p.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(p.CertFile, p.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// DefaultURL is where numgate serve listens given its own environment (NUMGATE_ADDR,
// NUMGATE_TLS_CERT), seen from the same machine or container: so a HEALTHCHECK with no
// arguments probes the server it sits beside however that is configured.
func DefaultURL(getenv func(string) string) string {
	scheme := "http"
	if getenv("NUMGATE_TLS_CERT") != "" {
		scheme = "https"
	}
	host, port, err := net.SplitHostPort(getenv("NUMGATE_ADDR"))
	switch {
	case err != nil || port == "":
		return scheme + "://127.0.0.1:8080"
	case host == "" || host == "0.0.0.0":
		host = "127.0.0.1"
	case host == "::":
		host = "::1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// Timeout bounds a probe; a probe that hangs is a failed probe.
const Timeout = 2 * time.Second
