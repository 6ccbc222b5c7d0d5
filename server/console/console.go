package console

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/numgate/numgate/engine"
)

// Prefix is where the console is served; the server mounts it there.
const Prefix = "/console/"

// The roles a page needs, as the API names them: decide for coverage, offers and the
// playground; admin for the policy; audit for the decision log.
const (
	roleDecide = "decide"
	roleAdmin  = "admin"
	roleAudit  = "audit"
)

var allRoles = []string{roleDecide, roleAudit, roleAdmin}

// Principal is a caller as the server's tokens know it.
type Principal struct {
	Name  string
	Roles []string
}

// Has says whether the principal holds a role.
func (p Principal) Has(role string) bool { return slices.Contains(p.Roles, role) }

// Auth is the server's authentication, asked on every request against the tokens in
// force (a rotated or revoked token ends its sessions at once).
type Auth interface {
	// Enabled is false when the server has no tokens: everyone may do everything.
	Enabled() bool
	// Request finds the caller of a request by its own credentials: a bearer token or a
	// verified client certificate.
	Request(r *http.Request) (Principal, bool)
	// Token finds the holder of a bearer token.
	Token(token string) (Principal, bool)
}

// Config is what the console needs, passed in.
type Config struct {
	// API is the server's own routes. The console calls them in-process, with the
	// session's token, so the API decides, checks roles and logs as for any caller.
	API    http.Handler
	Auth   Auth
	Logger zerolog.Logger
	// Now is the clock for session lifetimes; default time.Now.
	Now func() time.Time
}

// Console serves the pages under Prefix.
type Console struct {
	api      http.Handler
	auth     Auth
	log      zerolog.Logger
	sessions *sessions
	csrfKey  []byte // signs the CSRF token of each visitor
	views    *views
	mux      *http.ServeMux
	schemas  map[engine.Kind]*schema // the request schemas the playground's forms are made from
}

// New builds the console; it fails only if the engine's request schemas, which the
// playground's forms are made from, cannot be read.
func New(cfg Config) (*Console, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand never fails (Go 1.24+)
	schemas, err := requestSchemas()
	if err != nil {
		return nil, err
	}
	c := &Console{api: cfg.API, auth: cfg.Auth, log: cfg.Logger, csrfKey: key,
		sessions: newSessions(cfg.Now), views: mustViews(), schemas: schemas}
	c.mux = c.routes()
	return c, nil
}

func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	page := func(pattern, role string, h pageHandler) { m.Handle(pattern, c.page(role, h)) }
	page("GET /console/{$}", roleDecide, c.coveragePage)
	page("GET /console/offer/{country}/{type}/{use}", roleDecide, c.offerPage)
	page("GET /console/decide/{kind}", roleDecide, c.playground)
	page("POST /console/decide/{kind}", roleDecide, c.playground)
	page("GET /console/policy", roleAdmin, c.policyPage)
	page("POST /console/policy/reload", roleAdmin, c.reload)
	page("GET /console/decisions", roleAudit, c.decisionsPage)
	page("GET /console/decisions/{id}", roleAudit, c.decisionPage)
	page("POST /console/language", "", c.setLanguage)
	page("GET /console/login", "", c.loginPage)
	page("POST /console/login", "", c.login)
	page("POST /console/logout", "", c.logout)
	m.Handle("GET /console/static/", c.views.static())
	m.Handle("/console/", c.page("", func(w http.ResponseWriter, r *http.Request, v *visit) {
		c.fail(w, r, v, http.StatusNotFound, "There is no console page at "+r.URL.Path+".")
	}))
	return m
}

// ServeHTTP serves the console with its security headers: no script but its own, no
// request to another origin, no framing, no referrer (a playground URL may carry a
// phone number).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	c.mux.ServeHTTP(w, r)
}

// homeFor is the first console page a principal's roles open: the coverage for the
// decide role, else the decision log (audit), else the policy (admin).
func homeFor(p Principal) string {
	switch {
	case p.Has(roleDecide):
		return Prefix
	case p.Has(roleAudit):
		return Prefix + "decisions"
	case p.Has(roleAdmin):
		return Prefix + "policy"
	}
	return Prefix
}

// pageHandler serves one page for a visit whose principal holds the page's role.
type pageHandler func(w http.ResponseWriter, r *http.Request, v *visit)

// page wraps a handler: it identifies the visitor, checks the CSRF token of a POST,
// finds the principal (asking for a token when there is none) and checks the role ("":
// any visitor, signed in or not).
func (c *Console) page(role string, next pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v := c.visit(w, r)
		if r.Method == http.MethodPost && !c.checkCSRF(r, v) {
			c.fail(w, r, v, http.StatusForbidden, "This form has expired or did not come from this console (its CSRF token does not match). Reload the page and try again.")
			return
		}
		if role != "" {
			switch {
			case v.principal == nil && r.Method == http.MethodGet:
				http.Redirect(w, r, "/console/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			case v.principal == nil:
				c.fail(w, r, v, http.StatusUnauthorized, "Sign in with a token first.")
				return
			case !v.principal.Has(role) && r.Method == http.MethodGet && r.URL.Path == Prefix && homeFor(*v.principal) != Prefix:
				// The console's front page is the coverage (decide); a caller without that
				// role starts at the first page its roles open.
				http.Redirect(w, r, homeFor(*v.principal), http.StatusSeeOther)
				return
			case !v.principal.Has(role):
				c.fail(w, r, v, http.StatusForbidden, fmt.Sprintf("%s may not see this page: it needs the %s role.", v.principal.Name, role))
				return
			}
		}
		next(w, r, v)
	})
}
