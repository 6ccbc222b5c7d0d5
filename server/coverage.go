package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/numgate/numgate/engine"
)

// coverageAnswer is GET /v1/coverage: the matrix of the policy being served.
type coverageAnswer struct {
	PolicyRevision string `json:"policy_revision"`
	*engine.Coverage
}

// coverage: GET /v1/coverage[?at=][&stale_after=], what the country files cover. It
// evaluates every configured offer, so it runs in an evaluation slot like a decision.
func (s *Server) coverage(w http.ResponseWriter, r *http.Request) {
	snap := s.snapshot(w)
	if snap == nil {
		return
	}
	at, ok := timeParam(w, r, "at")
	if !ok {
		return
	}
	q := engine.CoverageQuery{At: at}
	if v := r.URL.Query().Get("stale_after"); v != "" {
		n, err := strconv.Atoi(strings.TrimSuffix(v, "d"))
		if err != nil || n < 1 || n > 3650 {
			writeError(w, http.StatusBadRequest, "invalid_parameter", "stale_after must be a number of days from 1 to 3650, such as 180d")
			return
		}
		q.StaleAfterDays = n
	}
	ctx, release, ok := s.evaluation(w, r)
	if !ok {
		return
	}
	defer release()
	cov, err := snap.Coverage(ctx, q)
	if err != nil {
		s.fail(ctx, w, r, err, http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, coverageAnswer{PolicyRevision: snap.Revision, Coverage: cov})
}
