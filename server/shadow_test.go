package server

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
)

const shadowActivation = `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business"}}`

// waitFor polls cond until it holds or a few seconds pass: the checks run on their own
// goroutine, after the answer.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lockedLog is a log the checker's goroutine writes while the test reads it.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func withoutID(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "decision_id")
	return m
}

// A deliberately wrong reference evaluator (OPA's answer with allow flipped): the check
// counts a mismatch and logs the decision id and the first differing path; the answer
// the caller got is the plan's, as without shadow checks.
func TestShadowMismatchIsCountedAndLoggedNotActedOn(t *testing.T) {
	ts := newTestServer(t)
	before := ts.do(t, "POST", "/v1/decisions/activation", "application/json", shadowActivation)

	logs := &lockedLog{}
	ts.shadow = newShadowChecks(1, shadowQueue, 2*time.Second, zerolog.New(logs), ts.metrics)
	t.Cleanup(ts.shadow.close)
	ts.shadow.reference = func(ctx context.Context, snap *engine.Snapshot, p *engine.ShadowProbe) (any, error) {
		v, err := snap.DecideTopdown(ctx, p)
		if m, ok := v.(map[string]any); ok {
			m["allow"] = m["allow"] != true
		}
		return v, err
	}
	rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", shadowActivation)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if !reflect.DeepEqual(withoutID(t, rec.Body.Bytes()), withoutID(t, before.Body.Bytes())) {
		t.Fatalf("the answer changed under shadow checks:\n%s\nwant\n%s", rec.Body, before.Body)
	}
	mismatches := ts.metrics.shadowChecks.WithLabelValues("activation", "mismatch")
	waitFor(t, "the mismatch to be counted", func() bool { return testutil.ToFloat64(mismatches) == 1 })
	id := decode(t, rec)["decision_id"].(string)
	waitFor(t, "the mismatch to be logged", func() bool {
		return strings.Contains(logs.String(), `"decision_id":"`+id+`"`) && strings.Contains(logs.String(), `"path":"/allow"`)
	})
	if n := testutil.ToFloat64(ts.metrics.shadowChecks.WithLabelValues("activation", "agree")); n != 0 {
		t.Errorf("agree = %v, want 0", n)
	}
}

// With OPA's own evaluator as the reference, the plan's decisions of every kind agree.
func TestShadowChecksAgree(t *testing.T) {
	ts := newTestServer(t)
	logs := &lockedLog{}
	ts.shadow = newShadowChecks(1, shadowQueue, 2*time.Second, zerolog.New(logs), ts.metrics)
	t.Cleanup(ts.shadow.close)
	for _, r := range []struct{ target, body string }{
		{"/v1/decisions/activation", shadowActivation},
		{"/v1/decisions/account-action", `{"action": "purchase_number", "account": {"active_orders": 1}}`},
		{"/v1/decisions/contact-verification", `{"channel": "sms", "phone": "030 901820", "default_region": "DE"}`},
	} {
		if rec := ts.do(t, "POST", r.target, "application/json", r.body); rec.Code != 200 {
			t.Fatalf("%s: %d %s", r.target, rec.Code, rec.Body)
		}
	}
	if rec := ts.do(t, "GET", "/v1/requirements/DE/local?use=business", "", ""); rec.Code != 200 {
		t.Fatalf("requirements: %d %s", rec.Code, rec.Body)
	}
	for _, d := range []string{"activation", "account_action", "contact_verification", "requirements"} {
		agree := ts.metrics.shadowChecks.WithLabelValues(d, "agree")
		waitFor(t, d+" to be checked", func() bool { return testutil.ToFloat64(agree) == 1 })
	}
	if strings.Contains(logs.String(), "shadow check") {
		t.Errorf("agreement was logged as a problem:\n%s", logs)
	}
}

// The queue is bounded: while the checker is busy, checks beyond the queue are dropped
// and counted, and the answers are not held up.
func TestShadowQueueDropsWhenFull(t *testing.T) {
	ts := newTestServer(t)
	ts.shadow = newShadowChecks(1, 1, 2*time.Second, zerolog.New(&lockedLog{}), ts.metrics)
	t.Cleanup(ts.shadow.close)
	release, started := make(chan struct{}), make(chan struct{}, 8)
	ts.shadow.reference = func(ctx context.Context, snap *engine.Snapshot, p *engine.ShadowProbe) (any, error) {
		started <- struct{}{}
		<-release
		return snap.DecideTopdown(ctx, p)
	}
	defer close(release)
	ts.do(t, "POST", "/v1/decisions/activation", "application/json", shadowActivation)
	<-started // the checker holds the first; the queue (1) takes the second; the third is dropped
	for range 2 {
		if rec := ts.do(t, "POST", "/v1/decisions/activation", "application/json", shadowActivation); rec.Code != 200 {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	if n := testutil.ToFloat64(ts.metrics.shadowChecks.WithLabelValues("activation", "dropped")); n != 1 {
		t.Errorf("dropped = %v, want 1", n)
	}
}
