package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// ClientCerts says whether clients must present a certificate signed by the client CA.
type ClientCerts string

const (
	// ClientCertsRequired refuses a connection without a verified client certificate:
	// every caller, health and readiness probes included, needs one.
	ClientCertsRequired ClientCerts = "required"
	// ClientCertsOptional verifies a certificate when one is presented and lets a
	// connection without one through: callers authenticate with a bearer token instead,
	// and probes reach /healthz and /readyz with neither.
	ClientCertsOptional ClientCerts = "optional"
)

// ParseClientCerts reads a --tls-client-certs value ("" is required).
func ParseClientCerts(s string) (ClientCerts, error) {
	switch ClientCerts(s) {
	case "", ClientCertsRequired:
		return ClientCertsRequired, nil
	case ClientCertsOptional:
		return ClientCertsOptional, nil
	}
	return "", fmt.Errorf("%q is not required or optional", s)
}

// TLSFiles are the files HTTPS is served with, and the client-certificate policy.
type TLSFiles struct {
	Cert, Key   string      // PEM; both or neither (plain HTTP)
	ClientCA    string      // PEM; verify client certificates it signed
	ClientCerts ClientCerts // with ClientCA: required (default) or optional
}

// TLSConfig builds the TLS settings, or nil for plain HTTP. TLS 1.2 is the oldest
// version served.
func TLSConfig(f TLSFiles) (*tls.Config, error) {
	if f.ClientCerts == ClientCertsOptional && f.ClientCA == "" {
		return nil, fmt.Errorf("--tls-client-certs optional needs --tls-client-ca: it says whether the certificates that CA signs are required")
	}
	if f.Cert == "" && f.Key == "" {
		if f.ClientCA != "" {
			return nil, fmt.Errorf("--tls-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if f.Cert == "" || f.Key == "" {
		return nil, fmt.Errorf("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if f.ClientCA == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(f.ClientCA)
	if err != nil {
		return nil, fmt.Errorf("--tls-client-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--tls-client-ca %s holds no PEM certificate", f.ClientCA)
	}
	cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	if f.ClientCerts == ClientCertsOptional {
		// A certificate presented must still verify; only its absence is allowed.
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}
