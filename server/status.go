package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/internal/buildinfo"
)

// countryList is GET /v1/countries.
type countryList struct {
	PolicyRevision string                  `json:"policy_revision"`
	Countries      []engine.CountrySummary `json:"countries"`
}

func (s *Server) listCountries(w http.ResponseWriter, r *http.Request) {
	if snap := s.snapshot(w); snap != nil {
		writeJSON(w, http.StatusOK, countryList{PolicyRevision: snap.Revision, Countries: snap.Countries()})
	}
}

type countryDetail struct {
	PolicyRevision string `json:"policy_revision"`
	engine.CountrySummary
}

func (s *Server) getCountry(w http.ResponseWriter, r *http.Request) {
	snap := s.snapshot(w)
	if snap == nil {
		return
	}
	code := strings.ToUpper(muxVar(r, "country"))
	c, ok := snap.Country(code)
	if !ok {
		hint := "GET /v1/countries lists those that are"
		if meant := engine.CountryMeant(code); meant != "" {
			hint = "it is not an ISO 3166-1 code: use " + meant
		}
		writeError(w, http.StatusNotFound, "unknown_country", "country "+quoteOrNone(code)+" is not configured; "+hint)
		return
	}
	writeJSON(w, http.StatusOK, countryDetail{PolicyRevision: snap.Revision, CountrySummary: c})
}

// policyStatus is GET /v1/policy.
type policyStatus struct {
	Revision   string        `json:"revision"`
	LoadedAt   time.Time     `json:"loaded_at"`
	Files      []string      `json:"files"`
	Countries  int           `json:"countries"`
	LastReload *ReloadStatus `json:"last_reload"`
	// Evaluators: which evaluator makes each decision, and why OPA's when it does.
	Evaluators []engine.DecisionEvaluator `json:"evaluators"`
	Build      buildinfo.Info             `json:"build"` // the binary serving: a fleet mid-rollout shows which replica runs what
}

func (s *Server) policyStatus(w http.ResponseWriter, r *http.Request) {
	snap := s.snapshot(w)
	if snap == nil {
		return
	}
	writeJSON(w, http.StatusOK, policyStatus{
		Revision: snap.Revision, LoadedAt: snap.LoadedAt, Files: snap.Files,
		Countries: len(snap.Countries()), LastReload: s.policy.LastReload(), Evaluators: snap.Evaluators(), Build: s.cfg.Build,
	})
}

// reloadResult is POST /v1/policy/reload when the new tree is valid.
type reloadResult struct {
	Revision string `json:"revision"`
	Previous string `json:"previous_revision,omitempty"`
	Changed  bool   `json:"changed"`
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	var prev string
	if old := s.policy.Current(); old != nil {
		prev = old.Revision
	}
	snap, err := s.policy.Reload(r.Context(), "api")
	var ds engine.Diagnostics
	switch {
	case errors.As(err, &ds):
		details := make([]errorDetail, len(ds))
		for i, d := range ds {
			details[i] = errorDetail{Code: "policy_invalid", Message: d.Message, File: d.File, Line: d.Line, Column: d.Column}
		}
		writeError(w, http.StatusUnprocessableEntity, "policy_invalid",
			"the policy tree on disk is invalid; the last good revision keeps serving. Fix the files named in details and reload", details...)
	case err != nil:
		s.fail(r.Context(), w, r, err, http.StatusNotFound)
	default:
		writeJSON(w, http.StatusOK, reloadResult{Revision: snap.Revision, Previous: prev, Changed: prev != snap.Revision})
	}
}

type health struct {
	Status   string `json:"status"`
	Revision string `json:"revision,omitempty"`
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, health{Status: "ok"})
}

// readyz: ready once a policy is loaded, and no longer once shutting down, so a load
// balancer stops sending before connections close.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	snap := s.policy.Current()
	switch {
	case s.stopping.Load():
		writeError(w, http.StatusServiceUnavailable, "shutting_down", "the server is shutting down")
	case snap == nil:
		writeError(w, http.StatusServiceUnavailable, "not_ready", "no policy is loaded yet")
	case s.cfg.DecisionLog != nil && !s.cfg.DecisionLog.Up():
		writeError(w, http.StatusServiceUnavailable, "not_ready", "the decision log cannot be written; decisions are refused until it recovers")
	default:
		writeJSON(w, http.StatusOK, health{Status: "ready", Revision: snap.Revision})
	}
}
