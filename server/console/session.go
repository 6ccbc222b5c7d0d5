package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// The console's cookies, both scoped to Prefix. visitorCookie holds a random id: it
// names the session once a token has been given, and its CSRF token is derived from it.
const (
	visitorCookie  = "numgate_console"
	languageCookie = "numgate_console_lang"
)

// Sessions end after sessionIdle without a request, and sessionMax after sign-in
// whatever happens; at most maxSessions are kept (the oldest go first).
const (
	sessionIdle = 2 * time.Hour
	sessionMax  = 12 * time.Hour
	maxSessions = 10000
)

var visitorID = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// visit is what one request knows of its visitor.
type visit struct {
	id        string     // the visitor cookie: random, 32 bytes
	principal *Principal // nil: not signed in (authentication on, no credentials)
	token     string     // the session's bearer token, for the API calls it makes
	header    string     // the request's own Authorization header, passed on to the API
	lang      string     // the language chosen, "" for the browser's
	csrf      string     // the token every form of this visitor carries
}

// visit identifies the visitor of a request, giving a new one its cookie.
func (c *Console) visit(w http.ResponseWriter, r *http.Request) *visit {
	v := &visit{}
	if ck, err := r.Cookie(visitorCookie); err == nil && visitorID.MatchString(ck.Value) {
		v.id = ck.Value
	} else {
		v.id = c.newVisitor(w, r)
	}
	if ck, err := r.Cookie(languageCookie); err == nil && knownLanguage(ck.Value) {
		v.lang = ck.Value
	}
	v.csrf = c.csrfToken(v.id)
	switch {
	case c.auth == nil || !c.auth.Enabled():
		v.principal = &Principal{Roles: allRoles}
	case r.Header.Get("Authorization") != "" || r.TLS != nil && len(r.TLS.VerifiedChains) > 0:
		// A caller with credentials of its own (a script with a bearer token, a browser
		// with a client certificate) is that caller, whatever its cookie says.
		if p, ok := c.auth.Request(r); ok {
			v.principal, v.header = &p, r.Header.Get("Authorization")
			return v
		}
		if r.Header.Get("Authorization") != "" {
			return v
		}
		fallthrough
	default:
		if tok, ok := c.sessions.token(v.id); ok {
			if p, ok := c.auth.Token(tok); ok {
				v.principal, v.token = &p, tok
			} else {
				c.sessions.drop(v.id) // the token was revoked or rotated away
			}
		}
	}
	return v
}

// newVisitor gives a request a fresh visitor id in its cookie.
func (c *Console) newVisitor(w http.ResponseWriter, r *http.Request) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	setCookie(w, r, visitorCookie, id, 0)
	return id
}

// setCookie sets one of the console's cookies: never readable by script, never sent
// from another site, Secure when the request came over TLS. maxAge 0 is a cookie for
// the browser session, negative deletes it.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// csrfToken is a visitor's CSRF token: an HMAC of its id under a key only this process
// holds, so no other site can know it and a server restart voids every old form.
func (c *Console) csrfToken(id string) string {
	m := hmac.New(sha256.New, c.csrfKey)
	m.Write([]byte("csrf " + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF says whether a POST carries its visitor's CSRF token (form field csrf or
// header X-CSRF-Token). A request with its own Authorization header needs none: no
// browser adds that header to a request another site makes.
func (c *Console) checkCSRF(r *http.Request, v *visit) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return hmac.Equal([]byte(got), []byte(v.csrf))
}

// loginPage asks for a token.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request, v *visit) {
	next := safeNext(r.URL.Query().Get("next"))
	if c.auth == nil || !c.auth.Enabled() || v.principal != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	c.render(w, r, v, http.StatusOK, "login", "Sign in", loginView{Next: next})
}

type loginView struct {
	Next, Error string
}

// login starts a session for the holder of a token. The visitor gets a new id, so an id
// planted before sign-in never names a session.
func (c *Console) login(w http.ResponseWriter, r *http.Request, v *visit) {
	next := safeNext(r.PostFormValue("next"))
	if c.auth == nil || !c.auth.Enabled() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	tok := strings.TrimSpace(r.PostFormValue("token"))
	p, ok := c.auth.Token(tok)
	if !ok {
		c.log.Warn().Str("remote", r.RemoteAddr).Msg("console sign-in refused: the token is not in the tokens file")
		c.render(w, r, v, http.StatusUnauthorized, "login", "Sign in", loginView{Next: next,
			Error: "That token is not one the server knows. Give a token of the server's tokens file (numgate token new makes one)."})
		return
	}
	c.sessions.drop(v.id)
	id := c.newVisitor(w, r)
	c.sessions.put(id, tok)
	c.log.Info().Str("principal", p.Name).Msg("console sign-in")
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session.
func (c *Console) logout(w http.ResponseWriter, r *http.Request, v *visit) {
	c.sessions.drop(v.id)
	c.newVisitor(w, r)
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// safeNext is where to go after a form: a console page of this server, never another
// site ("//evil.example" and "/\evil.example" are other sites to a browser).
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, Prefix) ||
		strings.Contains(next, "//") || strings.Contains(next, `\`) {
		return Prefix
	}
	return u.RequestURI()
}

// sessions maps visitor ids to the bearer tokens given at sign-in. They live in this
// process's memory only: a restart, or another replica, asks for the token again.
type sessions struct {
	mu  sync.Mutex
	now func() time.Time
	m   map[string]*session
}

type session struct {
	token         string
	created, seen time.Time
}

func newSessions(now func() time.Time) *sessions {
	return &sessions{now: now, m: map[string]*session{}}
}

func (s *sessions) token(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.m[id]
	if !ok {
		return "", false
	}
	now := s.now()
	if now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax {
		delete(s.m, id)
		return "", false
	}
	se.seen = now
	return se.token, true
}

func (s *sessions) put(id, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.m) >= maxSessions {
		var oldest string
		for k, se := range s.m {
			if now.Sub(se.seen) > sessionIdle || now.Sub(se.created) > sessionMax {
				delete(s.m, k)
			} else if oldest == "" || se.seen.Before(s.m[oldest].seen) {
				oldest = k
			}
		}
		if len(s.m) >= maxSessions {
			delete(s.m, oldest)
		}
	}
	s.m[id] = &session{token: token, created: now, seen: now}
}

func (s *sessions) drop(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
}

// language is a language the API may answer in (issue 22: Accept-Language chooses it).
type language struct{ Code, Name string }

var languages = []language{
	{"en", "English"}, {"de", "Deutsch"}, {"fr", "Français"}, {"es", "Español"}, {"it", "Italiano"},
	{"nl", "Nederlands"}, {"pt", "Português"}, {"pl", "Polski"}, {"sv", "Svenska"},
}

func knownLanguage(code string) bool {
	for _, l := range languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// setLanguage keeps the language chosen for the API's messages; "" goes back to the
// browser's own Accept-Language.
func (c *Console) setLanguage(w http.ResponseWriter, r *http.Request, v *visit) {
	lang := r.PostFormValue("lang")
	switch {
	case lang == "":
		setCookie(w, r, languageCookie, "", -1)
	case knownLanguage(lang):
		setCookie(w, r, languageCookie, lang, 365*24*3600)
	default:
		c.fail(w, r, v, http.StatusBadRequest, "Language "+quote(lang)+" is not one the console offers.")
		return
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("back")), http.StatusSeeOther)
}

func quote(s string) string { return `"` + s + `"` }
