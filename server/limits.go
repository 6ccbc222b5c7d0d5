package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// evaluation takes one of MaxConcurrent evaluation slots, waiting at most QueueTimeout
// for one (then it answers 503 overloaded with Retry-After and returns ok false), and
// gives a context with the EvalTimeout deadline, so no input can pin a core for long.
// Bodies are read before: a slow client never holds a slot. Call release when done.
func (s *Server) evaluation(w http.ResponseWriter, r *http.Request) (ctx context.Context, release func(), ok bool) {
	wait := time.NewTimer(s.cfg.QueueTimeout)
	defer wait.Stop()
	select {
	case s.slots <- struct{}{}:
	case <-wait.C:
		s.metrics.shed.WithLabelValues("overloaded").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
		writeError(w, http.StatusServiceUnavailable, "overloaded", "the server is at its limit of evaluations at once; retry after the time in Retry-After")
		return nil, nil, false
	case <-r.Context().Done():
		return nil, nil, false
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.EvalTimeout)
	return ctx, func() { cancel(); <-s.slots }, true
}

// timedOut says whether a failed evaluation ran out of time: OPA stops a query when its
// context ends and reports it as a cancelled query.
func timedOut(ctx context.Context) bool {
	return ctx != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)
}

// clientGone says whether the caller went away mid-evaluation (its context was
// cancelled), which is no failure of the server's.
func clientGone(r *http.Request) bool {
	return r.Context().Err() != nil
}

// statusClientClosed is what the log and metrics record when the caller left before the
// answer (the status nginx made common); nobody receives the response.
const statusClientClosed = 499
