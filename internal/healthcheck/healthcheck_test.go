package healthcheck

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
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
	if _, err := Check(ctx, Probe{URL: tls.URL, CAFile: "testdata/none.pem"}); !errors.Is(err, ErrSetup) {
		t.Errorf("a missing CA file: %v, want ErrSetup", err)
	}
	ts.Close()
	if _, err := Check(ctx, Probe{URL: ts.URL}); err == nil {
		t.Error("a closed server answered")
	}
}
