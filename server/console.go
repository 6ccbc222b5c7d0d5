package server

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/numgate/numgate/server/console"
)

// mountConsole serves the web console (server/console) at /console/ on the server's own
// routes: every console page calls the API in-process with its session's token, so the
// API checks roles and limits, logs decisions and records them in the access log as for
// any caller. The access log line and metrics of a console request keep its route.
func (s *Server) mountConsole(r *mux.Router) error {
	api := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		ri := infoFrom(req)
		route := ri.route
		r.ServeHTTP(w, req)
		ri.route = route
	})
	c, err := console.New(console.Config{API: api, Auth: consoleAuth{s}, Logger: s.log})
	if err != nil {
		return err
	}
	r.PathPrefix(console.Prefix).Handler(c)
	r.Handle("/console", http.RedirectHandler(console.Prefix, http.StatusMovedPermanently)).Methods(http.MethodGet)
	return nil
}

// consoleAuth answers the console's questions about callers from the tokens in force.
type consoleAuth struct{ s *Server }

func (a consoleAuth) Enabled() bool { return a.s.tokens.Load() != nil }

func (a consoleAuth) Request(r *http.Request) (console.Principal, bool) {
	if t := a.s.tokens.Load(); t != nil {
		return consolePrincipal(t.authenticate(r))
	}
	return console.Principal{}, false
}

func (a consoleAuth) Token(token string) (console.Principal, bool) {
	if t := a.s.tokens.Load(); t != nil && token != "" {
		return consolePrincipal(t.byToken(token))
	}
	return console.Principal{}, false
}

func consolePrincipal(p *Principal) (console.Principal, bool) {
	if p == nil {
		return console.Principal{}, false
	}
	out := console.Principal{Name: p.Name}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, string(r))
	}
	return out, true
}
