package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers the API (DESIGN.md), grouped by what they serve.
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
	r.HandleFunc("/v1/countries", s.listCountries).Methods(http.MethodGet)
	r.HandleFunc("/v1/countries/{country}", s.getCountry).Methods(http.MethodGet)
	r.HandleFunc("/v1/requirements", s.requirementsForNumber).Methods(http.MethodGet)
	r.HandleFunc("/v1/requirements/{country}/{number_type}", s.requirements).Methods(http.MethodGet)
	r.HandleFunc("/v1/decisions/activation", s.decision("activation", activation)).Methods(http.MethodPost)
	r.HandleFunc("/v1/decisions/account-action", s.decision("account_action", accountAction)).Methods(http.MethodPost)
	r.HandleFunc("/v1/decisions/contact-verification", s.decision("contact_verification", contactVerification)).Methods(http.MethodPost)
	r.HandleFunc("/v1/data", s.data).Methods(http.MethodPost)
	r.HandleFunc("/v1/data/{path:.*}", s.data).Methods(http.MethodPost)
	r.HandleFunc("/v1/policy", s.policyStatus).Methods(http.MethodGet)
	r.HandleFunc("/v1/policy/reload", s.reload).Methods(http.MethodPost)

	r.HandleFunc("/healthz", s.healthz).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)
	r.Handle("/metrics", promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.HandleFunc("/openapi.json", serveOpenAPI).Methods(http.MethodGet)
	return r
}

// isJSON accepts application/json, with parameters such as charset.
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}
