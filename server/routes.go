package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/numgate/numgate/engine"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers the API (docs/api.md), grouped by what they serve.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.Use(nameRoute)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no endpoint at "+r.URL.Path+"; see /openapi.json for the API")
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on "+r.URL.Path+"; see /openapi.json for the API")
	})

	// Full paths on the root router: mux answers 405 for a known path with the wrong
	// method only there, not inside subrouters.
	// Paths are matched as sent: a "../" in /v1/data/{path} is refused as an invalid path
	// rather than redirected.
	r.SkipClean(true)
	decide := func(h http.HandlerFunc) http.HandlerFunc { return s.require(RoleDecide, h) }
	admin := func(h http.HandlerFunc) http.HandlerFunc { return s.require(RoleAdmin, h) }
	audit := func(h http.HandlerFunc) http.HandlerFunc { return s.require(RoleAudit, h) }

	r.HandleFunc("/v1/countries", decide(s.listCountries)).Methods(http.MethodGet)
	r.HandleFunc("/v1/countries/{country}", decide(s.getCountry)).Methods(http.MethodGet)
	r.HandleFunc("/v1/coverage", decide(s.coverage)).Methods(http.MethodGet)
	r.HandleFunc("/v1/requirements", decide(s.requirementsForNumber)).Methods(http.MethodGet)
	r.HandleFunc("/v1/requirements/{country}/{number_type}", decide(s.requirements)).Methods(http.MethodGet)
	for _, k := range engine.Kinds {
		r.HandleFunc("/v1/decisions/"+k.Path(), decide(s.decision(k))).Methods(http.MethodPost)
	}
	r.HandleFunc("/v1/data", decide(s.data)).Methods(http.MethodPost)
	r.HandleFunc("/v1/data/{path:.*}", decide(s.data)).Methods(http.MethodPost)
	r.HandleFunc("/v1/decisions", audit(s.listDecisions)).Methods(http.MethodGet)
	// Any id is the handler's to find or refuse (400 for one that is not a decision id,
	// not "no endpoint"), while GET on a decision kind's path (activation,
	// account-action, ...) stays 405.
	// A kind written as an identifier (account_action) is pointed to its URL spelling.
	r.HandleFunc("/v1/decisions/{decision_id}", func(w http.ResponseWriter, req *http.Request) {
		seg := muxVar(req, "decision_id")
		switch k, err := engine.ParseKind(seg); {
		case err == nil && seg != k.Path():
			writeError(w, http.StatusNotFound, "not_found", "no endpoint at "+req.URL.Path+"; a decision kind is written with hyphens in a URL: /v1/decisions/"+k.Path())
		case err == nil || req.Method != http.MethodGet:
			r.MethodNotAllowedHandler.ServeHTTP(w, req)
		default:
			audit(s.getDecision)(w, req)
		}
	})
	r.HandleFunc("/v1/policy", admin(s.policyStatus)).Methods(http.MethodGet)
	r.HandleFunc("/v1/policy/reload", admin(s.reload)).Methods(http.MethodPost)
	r.HandleFunc("/metrics", admin(promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}).ServeHTTP)).Methods(http.MethodGet)

	// Open to all: load balancers probe these, and the contract is public.
	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	r.HandleFunc("/openapi.json", serveOpenAPI).Methods(http.MethodGet)
	if s.cfg.Console {
		if err := s.mountConsole(r); err != nil {
			// The request schemas are built into the binary: only a broken build gets here.
			s.log.Error().Err(err).Msg("the web console cannot start; the API serves without it")
		}
	}
	return r
}

// isJSON accepts application/json, with parameters such as charset.
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}
