package server

import (
	"context"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/rs/zerolog"
)

// requestInfo travels with a request so that the access log can say what was decided,
// without the handler logging anything itself.
type requestInfo struct {
	id             string
	route          string // the matched route's template, set once mux has matched
	principal      string // the authenticated caller's name
	decisionKind   string
	decisionStatus string
	country        string
}

type ctxKey struct{}

func infoFrom(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(ctxKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// requestLogger is the logger with this request's id.
func requestLogger(r *http.Request, log zerolog.Logger) *zerolog.Logger {
	l := log.With().Str("request_id", infoFrom(r).id).Logger()
	return &l
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// observe is the outermost middleware: request id, panic recovery, access log and
// request metrics. The log line carries the route template, never the URL: a query
// string may hold a phone number.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &requestInfo{id: r.Header.Get("X-Request-Id")}
		if !validRequestID.MatchString(ri.id) {
			ri.id = uuid.Must(uuid.NewV7()).String()
		}
		w.Header().Set("X-Request-Id", ri.id)
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		rec := &statusRecorder{ResponseWriter: w}

		defer func() {
			if p := recover(); p != nil {
				s.metrics.panics.Inc()
				s.log.Error().Str("request_id", ri.id).Interface("panic", p).Bytes("stack", debug.Stack()).Msg("handler panic")
				if rec.status == 0 {
					writeError(rec, http.StatusInternalServerError, "internal", "the server failed on this request; it has been logged")
				}
			}
			route := ri.route
			if route == "" {
				route = "unmatched" // a fixed name, so labels stay bounded whatever paths clients send
			}
			elapsed := time.Since(start)
			s.metrics.requests.WithLabelValues(route, methodLabel(r.Method), strconv.Itoa(rec.status)).Inc()
			s.metrics.requestDuration.WithLabelValues(route).Observe(elapsed.Seconds())
			ev := s.log.Info()
			if rec.status >= 500 {
				ev = s.log.Error()
			}
			ev = ev.Str("request_id", ri.id).Str("method", methodLabel(r.Method)).Str("route", route).
				Int("status", rec.status).Int("bytes", rec.bytes).Float64("latency_ms", float64(elapsed.Microseconds())/1000)
			if ri.principal != "" {
				ev = ev.Str("principal", ri.principal)
			}
			if ri.decisionKind != "" {
				ev = ev.Str("decision_kind", ri.decisionKind).Str("decision_status", ri.decisionStatus).Str("country", ri.country)
			}
			ev.Msg("request")
		}()
		next.ServeHTTP(rec, r)
	})
}

// nameRoute runs after mux has matched (router.Use) and records the route template.
func nameRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if route := mux.CurrentRoute(r); route != nil {
			if t, err := route.GetPathTemplate(); err == nil {
				infoFrom(r).route = t
			}
		}
		next.ServeHTTP(w, r)
	})
}

// methodLabel is a request's method as a metric label: one of HTTP's, else "other", so
// that a client cannot make a series per made-up method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}
