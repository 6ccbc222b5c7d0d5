package server

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/numgate/numgate/server/decisionlog"
)

// decisionPage is GET /v1/decisions: a page in commit order, with the cursor of the next.
type decisionPage struct {
	Decisions  []decisionlog.Record `json:"decisions"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

func (s *Server) decisionLog(w http.ResponseWriter) *decisionlog.Log {
	if s.cfg.DecisionLog == nil {
		writeError(w, http.StatusNotFound, "decision_log_off", "this server keeps no decision log (numgate serve --decision-log)")
	}
	return s.cfg.DecisionLog
}

// getDecision: GET /v1/decisions/{id}, one logged decision, masked.
func (s *Server) getDecision(w http.ResponseWriter, r *http.Request) {
	l := s.decisionLog(w)
	if l == nil {
		return
	}
	id, ok := parseDecisionID(muxVar(r, "decision_id"))
	if !ok {
		writeError(w, http.StatusBadRequest, "invalid_parameter",
			"decision_id "+quoteOrNone(muxVar(r, "decision_id"))+" is not a decision id (a UUID such as 019ab8a4-7c2e-7d41-9b1a-5f0c2e8d9a10); to list decisions use /v1/decisions?kind=")
		return
	}
	rec, err := l.Store().Get(r.Context(), id)
	switch {
	case errors.Is(err, decisionlog.ErrNotFound):
		writeError(w, http.StatusNotFound, "decision_not_found", "no logged decision has id "+quoteOrNone(id))
	case err != nil:
		s.storeFailed(w, r, err)
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}

// listDecisions: GET /v1/decisions?kind=&status=&country=&since=&until=&limit=&cursor=&order=,
// every parameter checked (parseLogFilter).
func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request) {
	l := s.decisionLog(w)
	if l == nil {
		return
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", "the query string cannot be read ("+err.Error()+"); escape % as %25")
		return
	}
	f, bad := parseLogFilter(q)
	if bad != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", bad.message)
		return
	}
	got, err := l.Store().List(r.Context(), f)
	switch {
	case errors.Is(err, decisionlog.ErrBadCursor):
		writeError(w, http.StatusBadRequest, "invalid_parameter", "cursor must be the next_cursor of a previous page")
		return
	case err != nil:
		s.storeFailed(w, r, err)
		return
	}
	page := decisionPage{Decisions: got.Records, NextCursor: got.Next}
	if page.Decisions == nil {
		page.Decisions = []decisionlog.Record{}
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	requestLogger(r, s.log).Error().Err(err).Msg("decision log read failed")
	w.Header().Set("Retry-After", itoa(int64(retryAfter.Seconds())))
	writeError(w, http.StatusServiceUnavailable, "decision_log_unavailable", "the decision log cannot be read now; retry shortly")
}
