package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePEM writes a certificate (and its key, when given) as PEM files in dir.
func writePEM(t *testing.T, dir, name string, cert *x509.Certificate, key *ecdsa.PrivateKey) (certFile, keyFile string) {
	t.Helper()
	certFile = filepath.Join(dir, name+".crt")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if key != nil {
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		keyFile = filepath.Join(dir, name+".key")
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

// TestClientCertificatesOptional: with --tls-client-certs optional, a caller without a
// certificate connects and authenticates with its token, probes reach health and
// readiness with neither, a certificate the CA signed still authenticates, and one it
// did not sign is refused at the handshake. With required (the default), a probe without
// a certificate cannot connect at all.
func TestClientCertificatesOptional(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCert(t, "test CA", nil, nil, true)
	other, otherKey := newCert(t, "other CA", nil, nil, true)
	srvCert, srvKey := newCert(t, "127.0.0.1", ca, caKey, false)
	opsCert, opsKey := newCert(t, "ops.internal", ca, caKey, false)
	strangerCert, strangerKey := newCert(t, "ops.internal", other, otherKey, false)
	caFile, _ := writePEM(t, dir, "ca", ca, nil)
	certFile, keyFile := writePEM(t, dir, "server", srvCert, srvKey)
	pool := x509.NewCertPool()
	pool.AddCert(ca)

	serve := func(t *testing.T, mode ClientCerts) string {
		cfg, err := TLSConfig(TLSFiles{Cert: certFile, Key: keyFile, ClientCA: caFile, ClientCerts: mode})
		if err != nil {
			t.Fatal(err)
		}
		ts := newTestServer(t)
		tokPath := filepath.Join(t.TempDir(), "tokens.yaml")
		_ = os.WriteFile(tokPath, []byte("tokens:\n  - name: ops\n    client_cn: ops.internal\n    roles: [admin]\n"), 0o600)
		tok, err := LoadTokens(writeTokens(t, "checkout:tok-admin:admin"))
		if err != nil {
			t.Fatal(err)
		}
		byCert, err := LoadTokens(tokPath)
		if err != nil {
			t.Fatal(err)
		}
		tok.entries = append(tok.entries, byCert.entries...)
		ts.SetTokens(tok)
		ts.cfg.TLS = cfg
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = ts.Serve(ln) }()
		t.Cleanup(func() { _ = ts.Shutdown(context.Background()) })
		return "https://" + ln.Addr().String()
	}
	get := func(base, path, token string, certs ...tls.Certificate) (int, error) {
		cfg := &tls.Config{RootCAs: pool}
		if len(certs) > 0 {
			// Presented whatever CAs the server names, as a misconfigured client would.
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &certs[0], nil }
		}
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
		req, _ := http.NewRequest("GET", base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	ops := tls.Certificate{Certificate: [][]byte{opsCert.Raw}, PrivateKey: opsKey}
	stranger := tls.Certificate{Certificate: [][]byte{strangerCert.Raw}, PrivateKey: strangerKey}

	t.Run("optional", func(t *testing.T) {
		base := serve(t, ClientCertsOptional)
		for _, tc := range []struct {
			what, path, token string
			certs             []tls.Certificate
			want              int
		}{
			{"a probe with neither", "/healthz", "", nil, 200},
			{"a readiness probe with neither", "/readyz", "", nil, 200},
			{"a token-only caller", "/v1/policy", "tok-admin", nil, 200},
			{"no token, no certificate", "/v1/policy", "", nil, 401},
			{"a certificate the CA signed", "/v1/policy", "", []tls.Certificate{ops}, 200},
		} {
			if code, err := get(base, tc.path, tc.token, tc.certs...); err != nil || code != tc.want {
				t.Errorf("%s: %d %v; want %d", tc.what, code, err, tc.want)
			}
		}
		if code, err := get(base, "/healthz", "", stranger); err == nil {
			t.Errorf("a certificate another CA signed: %d, want a refused handshake", code)
		}
	})
	t.Run("required", func(t *testing.T) {
		base := serve(t, ClientCertsRequired)
		if code, err := get(base, "/healthz", ""); err == nil {
			t.Errorf("a probe without a certificate: %d, want a refused handshake", code)
		}
		if code, err := get(base, "/healthz", "", ops); err != nil || code != 200 {
			t.Errorf("a probe with a certificate: %d %v", code, err)
		}
	})
}

func TestTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCert(t, "test CA", nil, nil, true)
	caFile, _ := writePEM(t, dir, "ca", ca, nil)
	srvCert, srvKey := newCert(t, "127.0.0.1", ca, caKey, false)
	certFile, keyFile := writePEM(t, dir, "server", srvCert, srvKey)
	notPEM := filepath.Join(dir, "not.pem")
	_ = os.WriteFile(notPEM, []byte("hello"), 0o600)
	for _, tc := range []struct {
		files TLSFiles
		want  string
	}{
		{TLSFiles{ClientCA: caFile}, "--tls-client-ca needs --tls-cert and --tls-key"},
		{TLSFiles{Cert: certFile}, "go together"},
		{TLSFiles{Cert: certFile, Key: keyFile, ClientCerts: ClientCertsOptional}, "optional needs --tls-client-ca"},
		{TLSFiles{ClientCerts: ClientCertsOptional}, "optional needs --tls-client-ca"},
		{TLSFiles{Cert: certFile, Key: keyFile, ClientCA: notPEM}, "holds no PEM certificate"},
		{TLSFiles{Cert: notPEM, Key: keyFile}, "TLS certificate"},
	} {
		if _, err := TLSConfig(tc.files); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want %q", tc.files, err, tc.want)
		}
	}
	if cfg, err := TLSConfig(TLSFiles{}); cfg != nil || err != nil {
		t.Errorf("no files: %v %v; want plain HTTP", cfg, err)
	}
	if _, err := ParseClientCerts("sometimes"); err == nil {
		t.Error("--tls-client-certs sometimes was accepted")
	}
}
