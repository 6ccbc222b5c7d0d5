package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeTokens writes a tokens file; each entry is "name:token:roles[:rate]".
func writeTokens(t *testing.T, entries ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("tokens:\n")
	for _, e := range entries {
		parts := strings.Split(e, ":")
		sum := sha256.Sum256([]byte(parts[1]))
		fmt.Fprintf(&b, "  - name: %s\n    sha256: %s\n    roles: [%s]\n", parts[0], hex.EncodeToString(sum[:]), parts[2])
		if len(parts) > 3 {
			fmt.Fprintf(&b, "    rate_limit: {per_second: %s, burst: 1}\n", parts[3])
		}
	}
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func withTokens(t *testing.T, ts *testServer, entries ...string) {
	t.Helper()
	tok, err := LoadTokens(writeTokens(t, entries...))
	if err != nil {
		t.Fatal(err)
	}
	ts.SetTokens(tok)
}

func (ts *testServer) as(t *testing.T, token, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return rec
}

// TestEveryEndpointChecksItsRole: with a tokens file, every endpoint but health,
// readiness and the contract refuses a missing, unknown or wrong-role token.
func TestEveryEndpointChecksItsRole(t *testing.T) {
	ts := newTestServer(t)
	withTokens(t, ts, "svc:tok-decide:decide", "aud:tok-audit:audit", "ops:tok-admin:admin")
	token := map[Role]string{RoleDecide: "tok-decide", RoleAudit: "tok-audit", RoleAdmin: "tok-admin"}
	c := loadContract(t)
	act := `{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`
	endpoints := []struct {
		method, target, body string
		role                 Role
	}{
		{"GET", "/v1/countries", "", RoleDecide},
		{"GET", "/v1/countries/DE", "", RoleDecide},
		{"GET", "/v1/requirements/DE/local?use=business", "", RoleDecide},
		{"GET", "/v1/requirements?number=%2B4930901820&use=business", "", RoleDecide},
		{"POST", "/v1/decisions/activation", act, RoleDecide},
		{"POST", "/v1/decisions/account-action", `{"action":"purchase_number","account":{}}`, RoleDecide},
		{"POST", "/v1/decisions/contact-verification", `{"channel":"email","email":"a@example.com"}`, RoleDecide},
		{"POST", "/v1/data/numgate", `{}`, RoleDecide},
		{"POST", "/v1/data", `{}`, RoleDecide},
		{"GET", "/v1/policy", "", RoleAdmin},
		{"POST", "/v1/policy/reload", "", RoleAdmin},
		{"GET", "/metrics", "", RoleAdmin},
	}
	for _, e := range endpoints {
		path, _, _ := strings.Cut(e.target, "?")
		for _, tc := range []struct {
			token  string
			status int
			code   string
		}{
			{"", 401, "unauthenticated"},
			{"not-a-token", 401, "unauthenticated"},
			{token[otherRole(e.role)], 403, "forbidden"},
		} {
			rec := ts.as(t, tc.token, e.method, e.target, e.body)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), `"code":"`+tc.code+`"`) {
				t.Errorf("%s %s with %q: %d %s, want %d %s", e.method, e.target, tc.token, rec.Code, rec.Body, tc.status, tc.code)
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: 401 without WWW-Authenticate", e.method, e.target)
			}
			c.check(t, e.method, path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		}
		if rec := ts.as(t, token[e.role], e.method, e.target, e.body); rec.Code == 401 || rec.Code == 403 || rec.Code >= 500 {
			t.Errorf("%s %s with the %s role: %d %s", e.method, e.target, e.role, rec.Code, rec.Body)
		}
	}
	for _, open := range []string{"/healthz", "/readyz", "/openapi.json"} {
		if rec := ts.as(t, "", "GET", open, ""); rec.Code != 200 {
			t.Errorf("%s without a token: %d", open, rec.Code)
		}
	}
	if !strings.Contains(ts.logs.String(), `"principal":"svc"`) {
		t.Error("the access log does not name the caller")
	}
	// A caller refused for its role is named too: refused access is what an auditor traces.
	ts.logs.Reset()
	if rec := ts.as(t, "tok-decide", "GET", "/v1/policy", ""); rec.Code != 403 {
		t.Fatalf("decide token on /v1/policy: %d", rec.Code)
	}
	if line := ts.logs.String(); !strings.Contains(line, `"status":403`) || !strings.Contains(line, `"principal":"svc"`) {
		t.Errorf("the 403's request line does not name the caller: %s", line)
	}
}

func otherRole(r Role) Role {
	if r == RoleDecide {
		return RoleAudit
	}
	return RoleDecide
}

func TestRateLimitPerToken(t *testing.T) {
	ts := newTestServer(t)
	withTokens(t, ts, "slow:tok-slow:decide:0.5")
	if rec := ts.as(t, "tok-slow", "GET", "/v1/countries", ""); rec.Code != 200 {
		t.Fatalf("first request: %d", rec.Code)
	}
	rec := ts.as(t, "tok-slow", "GET", "/v1/countries", "")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "rate_limited") {
		t.Errorf("second request at once: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	loadContract(t).check(t, "GET", "/v1/countries", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
}

func TestOverloadAndDeadline(t *testing.T) {
	ts := newTestServer(t)
	ts.cfg.QueueTimeout = 10 * time.Millisecond
	for i := 0; i < cap(ts.slots); i++ {
		ts.slots <- struct{}{} // every evaluation slot taken
	}
	act := `{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`
	rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", act)
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), `"overloaded"`) {
		t.Errorf("with no slot free: %d %s", rec.Code, rec.Body)
	}
	loadContract(t).check(t, "POST", "/v1/decisions/activation", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	for i := 0; i < cap(ts.slots); i++ {
		<-ts.slots
	}

	ts.cfg.EvalTimeout = time.Nanosecond
	rec = ts.do(t, "POST", "/v1/decisions/activation", "application/json", act)
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"evaluation_timeout"`) {
		t.Errorf("past the deadline: %d %s", rec.Code, rec.Body)
	}
}

// TestBearerSchemeIsCaseInsensitive: RFC 7235 auth schemes are case-insensitive, so
// "bearer" and "BEARER" authenticate like "Bearer"; anything else is no bearer token.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	ts := newTestServer(t)
	withTokens(t, ts, "ops:tok-admin:admin")
	for _, tc := range []struct {
		header string
		want   int
	}{
		{"Bearer tok-admin", 200},
		{"bearer tok-admin", 200},
		{"BEARER tok-admin", 200},
		{"bEaReR tok-admin", 200},
		{"Bearer   tok-admin ", 200},
		{"  bearer tok-admin", 200},
		{"Basic tok-admin", 401},
		{"Bearertok-admin", 401},
		{"Bearer", 401},
		{"bearer ", 401},
		{"Bearer tok-wrong", 401},
		{"tok-admin", 401},
	} {
		req := httptest.NewRequest("GET", "/v1/policy", nil)
		req.Header.Set("Authorization", tc.header)
		rec := httptest.NewRecorder()
		ts.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Authorization: %q: %d, want %d", tc.header, rec.Code, tc.want)
		}
	}
}

func TestLoadTokensErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, file, want string }{
		{"bad hash", "tokens:\n  - name: a\n    sha256: abc\n    roles: [decide]\n", ":2: sha256 is not 64 lower-case hex digits"},
		{"unknown role", "tokens:\n  - name: a\n    client_cn: a\n    roles: [root]\n", `:2: unknown role "root"`},
		{"twice", "tokens:\n  - name: a\n    client_cn: a\n    roles: [admin]\n  - name: a\n    client_cn: b\n    roles: [admin]\n", `:5: name "a" is used twice`},
		{"both", "tokens:\n  - name: a\n    client_cn: a\n    sha256: " + strings.Repeat("0", 64) + "\n    roles: [admin]\n", ":2: both sha256 and client_cn"},
		{"unknown key", "tokens:\n  - name: a\n    password: x\n", "field password not found"},
		{"empty", "tokens: []\n", "no tokens"},
	}
	for _, tc := range tests {
		p := filepath.Join(dir, tc.name+".yaml")
		_ = os.WriteFile(p, []byte(tc.file), 0o600)
		if _, err := LoadTokens(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestClientCertificates: with a client CA, a verified certificate whose common name is
// in the tokens file authenticates; a connection without one is refused.
func TestClientCertificates(t *testing.T) {
	ca, caKey := newCert(t, "test CA", nil, nil, true)
	srvCert, srvKey := newCert(t, "127.0.0.1", ca, caKey, false)
	cliCert, cliKey := newCert(t, "ops.internal", ca, caKey, false)
	pool := x509.NewCertPool()
	pool.AddCert(ca)

	ts := newTestServer(t)
	tokPath := filepath.Join(t.TempDir(), "tokens.yaml")
	_ = os.WriteFile(tokPath, []byte("tokens:\n  - name: ops\n    client_cn: ops.internal\n    roles: [admin]\n"), 0o600)
	tok, err := LoadTokens(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	ts.SetTokens(tok)
	ts.cfg.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{srvCert.Raw}, PrivateKey: srvKey}},
		ClientCAs:    pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = ts.Serve(ln) }()
	defer ts.Shutdown(context.Background())

	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: certs}}}
	}
	url := "https://" + ln.Addr().String() + "/v1/policy"
	resp, err := client(tls.Certificate{Certificate: [][]byte{cliCert.Raw}, PrivateKey: cliKey}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with the client certificate: %d", resp.StatusCode)
	}
	if resp, err := client().Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("without a client certificate: %d, want a refused handshake", resp.StatusCode)
	}
}

func newCert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IsCA:        isCA, BasicConstraintsValid: true,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, key
}
