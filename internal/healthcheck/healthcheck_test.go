package healthcheck

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestDefaultURL(t *testing.T) {
	for _, tc := range []struct {
		addr, cert, want string
	}{
		{"", "", "http://127.0.0.1:8080"},
		{":9090", "", "http://127.0.0.1:9090"},
		{"0.0.0.0:8080", "", "http://127.0.0.1:8080"},
		{"[::]:8080", "", "http://[::1]:8080"},
		{"127.0.0.2:81", "", "http://127.0.0.2:81"},
		{"localhost:8443", "/tls/cert.pem", "https://localhost:8443"},
		{"nonsense", "", "http://127.0.0.1:8080"},
	} {
		env := map[string]string{"NUMGATE_ADDR": tc.addr, "NUMGATE_TLS_CERT": tc.cert}
		if got := DefaultURL(func(k string) string { return env[k] }); got != tc.want {
			t.Errorf("NUMGATE_ADDR=%q: %s, want %s", tc.addr, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":{"code":"not_ready","message":"no policy is loaded yet"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready","revision":"sha256:abc"}`))
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"status":"ok"}`)) })
	ts := httptest.NewServer(mux)
	defer ts.Close()
	tls := httptest.NewTLSServer(mux)
	defer tls.Close()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		p    Probe
		want Result
	}{
		{"ready", Probe{URL: ts.URL, Token: "s3cret"}, Result{OK: true, Status: 200, Revision: "sha256:abc"}},
		{"not ready", Probe{URL: ts.URL + "/"}, Result{Status: 503, Reason: "not_ready: no policy is loaded yet"}},
		{"live", Probe{URL: ts.URL, Live: true}, Result{OK: true, Status: 200}},
		{"https, any certificate", Probe{URL: tls.URL, Live: true, InsecureSkipVerify: true}, Result{OK: true, Status: 200}},
	} {
		got, err := Check(ctx, tc.p)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	if _, err := Check(ctx, Probe{URL: tls.URL}); err == nil || errors.Is(err, ErrSetup) {
		t.Errorf("an unverified certificate: %v, want a request error", err)
	}
	// Pinned to the server's own certificate (the probe beside a TLS server): accepted,
	// though no CA in the system pool signed it; another certificate is refused.
	dir := t.TempDir()
	own := filepath.Join(dir, "server.pem")
	if err := os.WriteFile(own, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tls.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Check(ctx, Probe{URL: tls.URL, Live: true, PinnedCertFile: own}); err != nil || !got.OK {
		t.Errorf("pinned to the server's certificate: %+v, %v", got, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	otherDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(otherPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: otherDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Check(ctx, Probe{URL: tls.URL, Live: true, PinnedCertFile: otherPEM}); err == nil {
		t.Error("pinned to another certificate, the server was accepted")
	}
	if _, err := Check(ctx, Probe{URL: tls.URL, CAFile: "testdata/none.pem"}); !errors.Is(err, ErrSetup) {
		t.Errorf("a missing CA file: %v, want ErrSetup", err)
	}
	ts.Close()
	if _, err := Check(ctx, Probe{URL: ts.URL}); err == nil {
		t.Error("a closed server answered")
	}
}
