package server

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/numgate/numgate/server/decisionlog"
)

// decisionPage is GET /v1/decisions: newest first, with the cursor of the next page.
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
	rec, err := l.Store().Get(r.Context(), muxVar(r, "decision_id"))
	switch {
	case errors.Is(err, decisionlog.ErrNotFound):
		writeError(w, http.StatusNotFound, "decision_not_found", "no logged decision has id "+quoteOrNone(muxVar(r, "decision_id")))
	case err != nil:
		s.storeFailed(w, r, err)
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}

// listDecisions: GET /v1/decisions?kind=&status=&country=&since=&until=&limit=&cursor=.
func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request) {
	l := s.decisionLog(w)
	if l == nil {
		return
	}
	q := r.URL.Query()
	f := decisionlog.Filter{Kind: q.Get("kind"), Status: q.Get("status"), Country: q.Get("country"), Before: q.Get("cursor")}
	for name, dst := range map[string]*time.Time{"since": &f.Since, "until": &f.Until} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				writeError(w, http.StatusBadRequest, "invalid_parameter", name+" must be an RFC 3339 time such as 2026-11-25T00:00:00Z")
				return
			}
			*dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "invalid_parameter", "limit must be a whole number from 1 to 1000")
			return
		}
		f.Limit = n
	}
	recs, err := l.Store().List(r.Context(), f)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	page := decisionPage{Decisions: recs}
	if page.Decisions == nil {
		page.Decisions = []decisionlog.Record{}
	}
	if len(recs) > 0 && len(recs) == limitOf(f) {
		page.NextCursor = recs[len(recs)-1].ID
	}
	writeJSON(w, http.StatusOK, page)
}

func limitOf(f decisionlog.Filter) int {
	if f.Limit == 0 {
		return 100
	}
	return f.Limit
}

func (s *Server) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	requestLogger(r, s.log).Error().Err(err).Msg("decision log read failed")
	w.Header().Set("Retry-After", itoa(int64(retryAfter.Seconds())))
	writeError(w, http.StatusServiceUnavailable, "decision_log_unavailable", "the decision log cannot be read now; retry shortly")
}
