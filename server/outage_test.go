package server

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/numgate/numgate/server/decisionlog"
	"github.com/numgate/numgate/server/decisionlog/storetest"
)

// cuttableProxy forwards TCP connections on loopback to a server until cut: then it
// drops every connection open and every new one, as a database that went away (or a
// network between) looks to a client, until restored.
type cuttableProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

func newCuttableProxy(t *testing.T, target string) *cuttableProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { _ = ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *cuttableProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", p.target, 2*time.Second)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
		go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
	}
}

func (p *cuttableProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			_ = c.Close()
		}
		clear(p.conns)
	}
}

// TestPostgresOutage holds the degradation the README and docs/operations.md describe to a
// real PostgreSQL going away (the connection cut by a proxy) and coming back: while it is
// away, decisions answer 503 decision_log_unavailable with Retry-After and are not given,
// readiness is 503, reading the log is 503, questions that log nothing (requirements,
// countries) still answer, and numgate_decision_log_up is 0; once it is back, everything
// recovers by itself within seconds, and every decision answered 200 is in the log.
func TestPostgresOutage(t *testing.T) {
	dsn := storetest.FreshDatabase(t, storetest.PostgresDSN(t))
	proxy := newCuttableProxy(t, hostPort(t, dsn))
	store, err := decisionlog.Open(context.Background(), storetest.WithHost(dsn, proxy.ln.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	ts := newTestServer(t)
	l := decisionlog.NewLog(store, decisionlog.DefaultCommitDelay, ts.reg, ts.log)
	t.Cleanup(func() { _ = l.Close() })
	ts.cfg.DecisionLog = l
	contract := loadContract(t)
	const act = `{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`
	var answered []string
	decide := func() (int, string) {
		rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", act)
		contract.check(t, "POST", "/v1/decisions/activation", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		var d struct {
			ID string `json:"decision_id"`
		}
		if rec.Code == 200 && json.Unmarshal(rec.Body.Bytes(), &d) == nil {
			answered = append(answered, d.ID)
		}
		if rec.Code == 503 && rec.Header().Get("Retry-After") == "" {
			t.Error("a 503 without Retry-After")
		}
		return rec.Code, rec.Body.String()
	}
	if code, body := decide(); code != 200 {
		t.Fatalf("before the outage: %d %s", code, body)
	}

	proxy.setCut(true)
	// The first decision after the cut finds out; from then on the log is down.
	if code, body := decide(); code != 503 || !strings.Contains(body, "decision_log_unavailable") {
		t.Fatalf("during the outage: %d %s", code, body)
	}
	for _, c := range []struct {
		target string
		want   int
		code   string
	}{
		{"/readyz", 503, "not_ready"},
		{"/v1/decisions?limit=10", 503, "decision_log_unavailable"},
		{"/v1/requirements/DE/local?use=business", 200, ""},
		{"/v1/countries", 200, ""},
	} {
		rec := ts.do(t, "GET", c.target, "", "")
		path, _, _ := strings.Cut(c.target, "?")
		contract.check(t, "GET", path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		if rec.Code != c.want || !strings.Contains(rec.Body.String(), c.code) {
			t.Errorf("during the outage GET %s: %d %s, want %d %s", c.target, rec.Code, rec.Body, c.want, c.code)
		}
	}
	if code, body := decide(); code != 503 || !strings.Contains(body, "decision_log_unavailable") {
		t.Errorf("a decision while the log is down: %d %s", code, body)
	}
	down := "# HELP numgate_decision_log_up 1 while the decision log can be written; 0 while decisions are refused.\n# TYPE numgate_decision_log_up gauge\nnumgate_decision_log_up 0\n"
	if err := testutil.GatherAndCompare(ts.reg, strings.NewReader(down), "numgate_decision_log_up"); err != nil {
		t.Errorf("numgate_decision_log_up during the outage: %v", err)
	}

	proxy.setCut(false)
	deadline := time.Now().Add(10 * time.Second)
	for ts.do(t, "GET", "/readyz", "", "").Code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("not ready again within 10s of PostgreSQL coming back")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, body := decide(); code != 200 {
		t.Errorf("after the outage: %d %s", code, body)
	}
	for _, id := range answered {
		if _, err := store.Get(context.Background(), id); err != nil {
			t.Errorf("decision %s was answered 200 but is not in the log: %v", id, err)
		}
	}
	if len(answered) != 2 {
		t.Errorf("%d decisions answered, want 2 (before and after the outage)", len(answered))
	}
}

func hostPort(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		t.Fatalf("no host in the PostgreSQL DSN: %v", err)
	}
	if u.Port() == "" {
		return u.Host + ":5432"
	}
	return u.Host
}
