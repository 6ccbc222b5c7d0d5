package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/server"
	"github.com/numgate/numgate/server/decisionlog"
)

// The test clock: the decision cases' day, so their documents' ages hold.
var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// caller is a token of a test server's tokens file.
type caller struct {
	name, token string
	roles       []string
}

var (
	integrator = caller{"integrator", "tok-integrator-7f3a", []string{"decide"}}
	operator   = caller{"operator", "tok-operator-91c2", []string{"decide", "admin", "audit"}}
)

// testServer is numgate's whole server with the console, on a copy of the repository's
// countries and policies (free to edit), with a decision log, listening on loopback.
type testServer struct {
	*httptest.Server
	dir    string // holds countries/ and policies/
	policy *server.Policy
	logs   *syncBuffer // the server's JSON log
}

// syncBuffer is a log writer goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type serverOptions struct {
	callers []caller // with callers, a tokens file; without, authentication is off
	tls     bool
}

func startServer(t testing.TB, opt serverOptions) *testServer {
	t.Helper()
	dir := t.TempDir()
	for _, tree := range []string{"countries", "policies"} {
		if err := os.CopyFS(filepath.Join(dir, tree), os.DirFS(filepath.Join("..", "..", tree))); err != nil {
			t.Fatal(err)
		}
	}
	logs := &syncBuffer{}
	log := zerolog.New(logs)
	reg := prometheus.NewRegistry()
	metrics := server.NewMetrics(reg)
	cfg := engine.Config{
		Countries: engine.Tree{FS: os.DirFS(filepath.Join(dir, "countries")), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS(filepath.Join(dir, "policies")), Name: "policies"},
		Clock:     func() time.Time { return testNow },
	}
	policy := server.NewPolicy(func(ctx context.Context) (*engine.Snapshot, error) { return engine.Load(ctx, cfg) }, log, metrics)
	if _, err := policy.Reload(context.Background(), "startup"); err != nil {
		t.Fatal(err)
	}
	store, err := decisionlog.Open(context.Background(), "sqlite:"+filepath.Join(dir, "decisions.db"))
	if err != nil {
		t.Fatal(err)
	}
	dlog := decisionlog.NewLog(store, 0, reg, log)
	t.Cleanup(func() { _ = dlog.Close() })
	var tokens *server.Tokens
	if len(opt.callers) > 0 {
		var b strings.Builder
		b.WriteString("tokens:\n")
		for _, c := range opt.callers {
			sum := sha256.Sum256([]byte(c.token))
			fmt.Fprintf(&b, "  - name: %s\n    sha256: %s\n    roles: [%s]\n", c.name, hex.EncodeToString(sum[:]), strings.Join(c.roles, ", "))
		}
		file := filepath.Join(dir, "tokens.yaml")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		if tokens, err = server.LoadTokens(file); err != nil {
			t.Fatal(err)
		}
	}
	srv := server.New(server.Config{Policy: policy, Logger: log, Metrics: metrics, Gatherer: reg,
		Tokens: tokens, DecisionLog: dlog, Console: true})
	ts := httptest.NewUnstartedServer(srv.Handler())
	if opt.tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, dir: dir, policy: policy, logs: logs}
}

// edit replaces old with new in a file of the server's trees.
func (ts *testServer) edit(t testing.TB, file, old, new string) {
	t.Helper()
	path := filepath.Join(ts.dir, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q to edit", file, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// client is an HTTP client with a cookie jar that follows no redirect, so a test sees
// each answer.
func (ts *testServer) client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := *ts.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
