package server

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/numgate/numgate/server/decisionlog"
)

// flakyStore is a real SQLite store that can be told to fail, like a full disk or a
// database gone away.
type flakyStore struct {
	decisionlog.Store
	broken atomic.Bool
}

var errDiskFull = errors.New("disk full")

func (f *flakyStore) Append(ctx context.Context, r []decisionlog.Record) error {
	if f.broken.Load() {
		return errDiskFull
	}
	return f.Store.Append(ctx, r)
}

func (f *flakyStore) Ping(ctx context.Context) error {
	if f.broken.Load() {
		return errDiskFull
	}
	return f.Store.Ping(ctx)
}

func withDecisionLog(t *testing.T, ts *testServer) *flakyStore {
	t.Helper()
	s, err := decisionlog.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "decisions.db"))
	if err != nil {
		t.Fatal(err)
	}
	fs := &flakyStore{Store: s}
	l := decisionlog.NewLog(fs, decisionlog.DefaultCommitDelay, ts.reg, ts.log)
	t.Cleanup(func() { _ = l.Close() })
	ts.cfg.DecisionLog = l
	return fs
}

const personalActivation = `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business",
  "fields":{"company_name":"Analytical GmbH","representative_first_name":"Adelheid","representative_last_name":"Zwicky"},
  "address":{"street":"Geheimweg 7","city":"Berlin","postal_code":"10999","country":"DE"},
  "documents":[{"id":"P-99812","type":"commercial_register_extract","issued_on":"2026-10-01"}]}}`

func TestDecisionLogRecordsMaskedDecisions(t *testing.T) {
	ts := newTestServer(t)
	withDecisionLog(t, ts)
	withTokens(t, ts, "checkout:tok-d:decide", "auditor:tok-a:audit")
	c := loadContract(t)

	rec := ts.as(t, "tok-d", "POST", "/v1/decisions/activation?lang=de", personalActivation)
	var d map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &d)
	id, _ := d["decision_id"].(string)
	if rec.Code != 200 || id == "" {
		t.Fatalf("decision: %d %s", rec.Code, rec.Body)
	}
	ts.as(t, "tok-d", "POST", "/v1/decisions/contact-verification", `{"channel":"sms","phone":"+44 7400 123456"}`)
	ts.as(t, "tok-d", "GET", "/v1/requirements/DE/local?use=business", "") // a plain GET is not logged

	rec = ts.as(t, "tok-a", "GET", "/v1/decisions/"+id, "")
	c.check(t, "GET", "/v1/decisions/"+id, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	got := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("get: %d %s", rec.Code, got)
	}
	// The language is kept in clear; the (German) messages are masked like any text.
	for _, secret := range []string{"Adelheid", "Zwicky", "Geheimweg", "P-99812", "4930901820", "Geben Sie", "Laden Sie", "Analytical GmbH"} {
		if strings.Contains(got, secret) {
			t.Errorf("the logged decision holds %q: %s", secret, got)
		}
	}
	for _, kept := range []string{`"kind":"activation"`, `"status":"incomplete"`, `"country":"DE"`, `"principal":"checkout"`, `"policy_revision":"sha256:`, `"language":"de"`, `"city":"Berlin"`, `"requirements":[`} {
		if !strings.Contains(got, kept) {
			t.Errorf("the logged decision lacks %s: %s", kept, got)
		}
	}

	rec = ts.as(t, "tok-a", "GET", "/v1/decisions?kind=activation&country=DE&limit=10", "")
	c.check(t, "GET", "/v1/decisions", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	var page decisionPage
	_ = json.Unmarshal(rec.Body.Bytes(), &page)
	if len(page.Decisions) != 1 || page.Decisions[0].ID != id {
		t.Errorf("filtered list: %s", rec.Body)
	}
	rec = ts.as(t, "tok-a", "GET", "/v1/decisions?limit=1", "")
	_ = json.Unmarshal(rec.Body.Bytes(), &page)
	if len(page.Decisions) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %s", rec.Body)
	}
	rec = ts.as(t, "tok-a", "GET", "/v1/decisions?limit=1&cursor="+page.NextCursor, "")
	var next decisionPage
	_ = json.Unmarshal(rec.Body.Bytes(), &next)
	if len(next.Decisions) != 1 || next.Decisions[0].ID == page.Decisions[0].ID {
		t.Errorf("second page: %s", rec.Body)
	}
	rec = ts.as(t, "tok-a", "GET", "/v1/decisions?order=oldest&limit=1", "")
	c.check(t, "GET", "/v1/decisions", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	var oldest decisionPage
	_ = json.Unmarshal(rec.Body.Bytes(), &oldest)
	if len(oldest.Decisions) != 1 || oldest.Decisions[0].ID != next.Decisions[0].ID || oldest.NextCursor == "" {
		t.Errorf("oldest first: %s", rec.Body)
	}
	for _, bad := range []string{"/v1/decisions?limit=0", "/v1/decisions?since=yesterday", "/v1/decisions?order=random", "/v1/decisions?cursor=" + id} {
		rec = ts.as(t, "tok-a", "GET", bad, "")
		c.check(t, "GET", "/v1/decisions", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		if rec.Code != 400 {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
	rec = ts.as(t, "tok-a", "GET", "/v1/decisions/01900000-0000-7000-8000-000000000000", "")
	c.check(t, "GET", "/v1/decisions/01900000-0000-7000-8000-000000000000", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	if rec.Code != 404 {
		t.Errorf("unknown id: %d", rec.Code)
	}
	if rec := ts.as(t, "tok-d", "GET", "/v1/decisions/"+id, ""); rec.Code != 403 {
		t.Errorf("the decide role read the log: %d", rec.Code)
	}
}

// TestDecisionLogFailsClosed: while the store cannot write, decisions are refused with a
// 503 and readiness is off; when it recovers, both come back by themselves.
func TestDecisionLogFailsClosed(t *testing.T) {
	ts := newTestServer(t)
	store := withDecisionLog(t, ts)
	act := `{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"business"}}`
	if rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", act); rec.Code != 200 {
		t.Fatalf("healthy: %d", rec.Code)
	}
	store.broken.Store(true)
	rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", act)
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), "decision_log_unavailable") || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("store failing: %d %s", rec.Code, rec.Body)
	}
	loadContract(t).check(t, "POST", "/v1/decisions/activation", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	if rec := ts.do(t, "GET", "/readyz", "", ""); rec.Code != 503 {
		t.Errorf("readyz while the log is down: %d", rec.Code)
	}
	if v := testutil.ToFloat64(ts.metrics.shed.WithLabelValues("decision_log")); v < 1 {
		t.Error("the refused decision was not counted")
	}
	if !strings.Contains(ts.logs.String(), "decision log write failed") {
		t.Error("the failure was not logged")
	}
	store.broken.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for ts.do(t, "GET", "/readyz", "", "").Code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the log did not recover within 5s of the store recovering")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", act); rec.Code != 200 {
		t.Errorf("after recovery: %d %s", rec.Code, rec.Body)
	}
}

// TestDecisionLogQueryIsValidated: every parameter of the decision log's list is checked,
// so a filter the log cannot apply is a 400 naming what is allowed, never an empty page;
// a kind may be written as in its URL, a country in any case; a decision id in any case
// is found, and a malformed one is refused, never "no endpoint".
func TestDecisionLogQueryIsValidated(t *testing.T) {
	ts := newTestServer(t)
	withDecisionLog(t, ts)
	withTokens(t, ts, "checkout:tok-d:decide", "auditor:tok-a:audit")
	c := loadContract(t)
	var ids []string
	for _, d := range []struct{ path, body string }{
		{"/v1/decisions/activation", personalActivation},
		{"/v1/decisions/contact-verification", `{"channel":"sms","phone":"+44 7400 123456"}`},
	} {
		rec := ts.as(t, "tok-d", "POST", d.path, d.body)
		var got struct {
			ID string `json:"decision_id"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != 200 {
			t.Fatalf("%s: %d %s", d.path, rec.Code, rec.Body)
		}
		ids = append(ids, got.ID)
	}
	first := ts.as(t, "tok-a", "GET", "/v1/decisions?limit=1", "")
	var firstPage decisionPage
	if err := json.Unmarshal(first.Body.Bytes(), &firstPage); err != nil || firstPage.NextCursor == "" {
		t.Fatalf("first page: %d %s", first.Code, first.Body)
	}
	found := []struct {
		query string
		want  []string // decision ids, in the order listed
	}{
		{"kind=contact-verification", ids[1:]},
		{"kind=contact_verification&status=allowed", ids[1:]},
		{"kind=account-action", nil},
		{"kind=activation&country=de", ids[:1]},
		{"country=GB&status=allowed", ids[1:]},
		{"status=incomplete", ids[:1]},
		{"cursor=" + firstPage.NextCursor, ids[:1]},
		{"order=oldest", ids},
		{"order=newest&limit=1", ids[1:]},
		{"since=2000-01-01T00:00:00Z&until=2100-01-01T00:00:00Z&limit=5", []string{ids[1], ids[0]}},
	}
	for _, tc := range found {
		rec := ts.as(t, "tok-a", "GET", "/v1/decisions?"+tc.query, "")
		c.check(t, "GET", "/v1/decisions", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		var page decisionPage
		_ = json.Unmarshal(rec.Body.Bytes(), &page)
		var got []string
		for _, d := range page.Decisions {
			got = append(got, d.ID)
		}
		if rec.Code != 200 || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("?%s: %d, ids %v; want %v", tc.query, rec.Code, got, tc.want)
		}
	}
	refused := []struct{ query, says string }{
		{"kind=nope", "is not one of activation, account_action, contact_verification"},
		{"status=bogus", "expected one of: active, ready_for_review"},
		{"kind=activation&status=allowed", "is not recorded for activation decisions"},
		{"kind=contact-verification&status=incomplete", "expected one of: allowed, wait, refused"},
		{"country=DEU", "ISO 3166-1 alpha-2"},
		{"country=", "empty"},
		{"foo=1", "expected some of: kind, status, country, since, until, limit, cursor"},
		{"kind=activation&kind=activation", "kind is given 2 times"},
		{"cursor=garbage", "next_cursor of a previous page"},
		{"cursor=" + ids[1], "next_cursor of a previous page"},
		{"order=random", `order \"random\" is not newest (the default) or oldest`},
		{"limit=0", "from 1 to 1000"},
		{"since=yesterday", "RFC 3339"},
		{"since=2026-12-01T00:00:00Z&until=2026-11-01T00:00:00Z", "until must be after since"},
		{"kind=%zz", "cannot be read"},
	}
	for _, tc := range refused {
		rec := ts.as(t, "tok-a", "GET", "/v1/decisions?"+tc.query, "")
		c.check(t, "GET", "/v1/decisions", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"invalid_parameter"`) || !strings.Contains(rec.Body.String(), tc.says) {
			t.Errorf("?%s: %d %s; want 400 invalid_parameter saying %q", tc.query, rec.Code, rec.Body, tc.says)
		}
	}
	for _, tc := range []struct {
		id   string
		want int
	}{
		{ids[0], 200},
		{strings.ToUpper(ids[0]), 200},
		{"12345", 400},
		{strings.Repeat("0", 36), 400},
		{ids[0] + "-0", 400},
		{"activation", 405}, // the decision's own path, POST only
		{"account-action", 405},
		{"not-a-uuid", 400},
		{"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", 400},
		{"account_action", 404}, // a kind in its identifier spelling: not a URL
	} {
		rec := ts.as(t, "tok-a", "GET", "/v1/decisions/"+tc.id, "")
		c.check(t, "GET", "/v1/decisions/"+tc.id, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		if rec.Code != tc.want || (tc.want == 400 && !strings.Contains(rec.Body.String(), `"invalid_parameter"`)) {
			t.Errorf("GET /v1/decisions/%s: %d %s; want %d", tc.id, rec.Code, rec.Body, tc.want)
		}
	}
}

// A refused request announced no record for good: the log is told none will come, so the
// next decision's commit does not wait the commit delay (here far longer than the test)
// for it.
func TestDecisionLogNotKeptWaitingByRefusedRequests(t *testing.T) {
	ts := newTestServer(t)
	s, err := decisionlog.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "decisions.db"))
	if err != nil {
		t.Fatal(err)
	}
	l := decisionlog.NewLog(s, 30*time.Second, ts.reg, ts.log)
	t.Cleanup(func() { _ = l.Close() })
	ts.cfg.DecisionLog = l
	for _, bad := range []string{`{"number":{"e164":"+999","type":"local"},"identity":{"use":"business"}}`, `{"nope":1}`} {
		if rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", bad); rec.Code == 200 {
			t.Fatalf("%s was decided", bad)
		}
	}
	start := time.Now()
	if rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", personalActivation); rec.Code != 200 {
		t.Fatalf("decision: %d %s", rec.Code, rec.Body)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Fatalf("the decision took %s: its commit waited for records refused requests never sent", took)
	}
}
