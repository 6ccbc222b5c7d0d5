package console

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fakeAuth knows tokens by value; revoking one ends its sessions.
type fakeAuth struct {
	mu     sync.Mutex
	tokens map[string]Principal
}

func (a *fakeAuth) Enabled() bool { return true }

func (a *fakeAuth) Request(r *http.Request) (Principal, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return Principal{}, false
	}
	return a.Token(tok)
}

func (a *fakeAuth) Token(tok string) (Principal, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.tokens[tok]
	return p, ok
}

// fakeAPI answers the coverage and records what each call carried.
type fakeAPI struct {
	mu   sync.Mutex
	seen []http.Header
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.Header.Clone())
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"policy_revision":"sha256:x","as_of":"2026-12-01","countries":[]}`)
}

func (f *fakeAPI) last() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen[len(f.seen)-1]
}

// TestAPICallsActForTheVisitor: the console calls the API with the session's token and
// in the language the visitor chose (or the browser's), and a session ends when its
// token is revoked or it has been idle too long.
func TestAPICallsActForTheVisitor(t *testing.T) {
	auth := &fakeAuth{tokens: map[string]Principal{"secret-1": {Name: "ada", Roles: []string{roleDecide}}}}
	api := &fakeAPI{}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var clock sync.Mutex
	c, err := New(Config{API: api, Auth: auth, Logger: zerolog.Nop(), Now: func() time.Time { clock.Lock(); defer clock.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(c)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := func(method, path string, form url.Values, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(form.Encode()))
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	token := func(body string) string {
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF token in\n%s", body)
		}
		return m[1]
	}

	_, body := page("GET", "/console/login", nil)
	if code, _ := page("POST", "/console/login", url.Values{"csrf": {token(body)}, "token": {"secret-1"}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: HTTP %d", code)
	}
	code, body := page("GET", "/console/", nil, "Accept-Language", "fr-CH, fr;q=0.9")
	if code != http.StatusOK {
		t.Fatalf("coverage: HTTP %d\n%s", code, body)
	}
	if h := api.last(); h.Get("Authorization") != "Bearer secret-1" || h.Get("Accept-Language") != "fr-CH, fr;q=0.9" {
		t.Errorf("the API call carried %v", h)
	}
	if code, _ := page("POST", "/console/language", url.Values{"csrf": {token(body)}, "lang": {"de"}, "back": {"/console/?q=x"}}); code != http.StatusSeeOther {
		t.Fatalf("choosing German: HTTP %d", code)
	}
	page("GET", "/console/", nil, "Accept-Language", "fr-CH")
	if h := api.last(); h.Get("Accept-Language") != "de" {
		t.Errorf("after choosing German the API was asked in %q", h.Get("Accept-Language"))
	}
	if code, _ := page("POST", "/console/language", url.Values{"csrf": {token(body)}, "lang": {"klingon"}}); code != http.StatusBadRequest {
		t.Errorf("an unknown language: HTTP %d", code)
	}

	clock.Lock()
	now = now.Add(sessionIdle + time.Minute)
	clock.Unlock()
	if code, _ := page("GET", "/console/", nil); code != http.StatusSeeOther {
		t.Errorf("after %s idle: HTTP %d, want the sign-in page", sessionIdle, code)
	}
	_, body = page("GET", "/console/login", nil)
	page("POST", "/console/login", url.Values{"csrf": {token(body)}, "token": {"secret-1"}})
	if code, _ := page("GET", "/console/", nil); code != http.StatusOK {
		t.Fatalf("signed in again: HTTP %d", code)
	}
	auth.mu.Lock()
	delete(auth.tokens, "secret-1")
	auth.mu.Unlock()
	if code, _ := page("GET", "/console/", nil); code != http.StatusSeeOther {
		t.Errorf("after the token was revoked: HTTP %d, want the sign-in page", code)
	}
}
