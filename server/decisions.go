package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/server/decisionlog"
)

// snapshot is the policy this request is decided on, start to finish, even if a reload
// swaps in another meanwhile. Before the first load there is none: 503.
func (s *Server) snapshot(w http.ResponseWriter) *engine.Snapshot {
	snap := s.policy.Current()
	if snap == nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "not_ready", "no policy is loaded yet; retry shortly")
	}
	return snap
}

// readJSON reads a JSON request body within the size limit.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"the body must be JSON: send Content-Type: application/json (got "+quoteOrNone(r.Header.Get("Content-Type"))+")")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			writeError(w, http.StatusBadRequest, "unreadable_body", "the request body could not be read: "+err.Error())
			return nil, false
		}
		s.fail(r.Context(), w, r, err, http.StatusNotFound)
		return nil, false
	}
	return body, true
}

func quoteOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return `"` + s + `"`
}

// decision is the handler of POST /v1/decisions/{kind}: read the body, decide on the
// snapshot current when the request arrived, make the decision durable in the decision
// log, answer. A decision that cannot be logged is not answered (503): fail closed.
func (s *Server) decision(kind engine.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		snap := s.snapshot(w)
		if snap == nil {
			return
		}
		body, ok := s.readJSON(w, r)
		if !ok {
			return
		}
		lang, ok := language(w, r, snap)
		if !ok {
			return
		}
		// The log is told a record is coming, so that a commit waits for it rather than
		// leave it to the next; on every way out without a record (a refused request, a
		// panic) it is told none will come.
		var coming decisionlog.Coming
		recorded := true
		if s.cfg.DecisionLog != nil {
			coming, recorded = s.cfg.DecisionLog.Expect(), false
			defer func() {
				if !recorded {
					coming.Abandon()
				}
			}()
		}
		ctx, release, ok := s.evaluation(w, r)
		if !ok {
			return
		}
		ctx, probe := s.shadow.probe(ctx)
		start := time.Now()
		d, err := snap.DecideIn(ctx, lang, kind, body)
		elapsed := time.Since(start)
		s.metrics.decisionDuration.WithLabelValues(string(kind)).Observe(elapsed.Seconds())
		if err != nil {
			s.fail(ctx, w, r, err, http.StatusUnprocessableEntity)
			release()
			return
		}
		head := d.Head()
		// The answer is encoded once: it is what the caller gets and what the log masks.
		answer, err := encodeJSON(d)
		if err != nil {
			release()
			s.fail(ctx, w, r, fmt.Errorf("encoding the %s decision: %w", kind, err), http.StatusUnprocessableEntity)
			return
		}
		var masked engine.Masked
		if s.cfg.DecisionLog != nil {
			masked, err = snap.MaskForLog(kind, body, answer)
		}
		// The slot bounds evaluation; waiting for the decision log's commit is I/O and
		// must not keep other decisions from evaluating.
		release()
		if err == nil && s.cfg.DecisionLog != nil {
			recorded = true // Record settles the expectation, whatever it returns
			err = coming.Record(r.Context(), decisionlog.Record{
				ID: head.DecisionID, DecidedAt: start.UTC(), Kind: string(kind), Status: head.Status, Country: d.CountryCode(),
				Allow: head.Allow, PolicyRevision: head.PolicyRevision, Latency: elapsed, Principal: infoFrom(r).principal,
				Input: masked.Request, Result: masked.Result,
			})
		}
		if s.cfg.DecisionLog != nil {
			if err != nil {
				s.metrics.shed.WithLabelValues("decision_log").Inc()
				requestLogger(r, s.log).Error().Err(err).Str("decision_kind", string(kind)).Msg("decision not logged, so not answered")
				w.Header().Set("Retry-After", itoa(int64(retryAfter.Seconds())))
				writeError(w, http.StatusServiceUnavailable, "decision_log_unavailable",
					"the decision could not be recorded in the decision log, so it is not given; retry shortly")
				return
			}
		}
		s.decided(r, string(kind), head.Status, d.CountryCode())
		writeBody(w, http.StatusOK, answer)
		s.shadow.submit(snap, probe, head.DecisionID)
	}
}

// decided records a decision for the access log and the metrics.
func (s *Server) decided(r *http.Request, kind, status, country string) {
	ri := infoFrom(r)
	ri.decisionKind, ri.decisionStatus, ri.country = kind, status, country
	s.metrics.decisions.WithLabelValues(kind, status, country).Inc()
}

// requirements: GET /v1/requirements/{country}/{number_type}?use=[&at=].
func (s *Server) requirements(w http.ResponseWriter, r *http.Request) {
	use, ok := requiredParam(w, r, "use", "personal or business")
	if !ok {
		return
	}
	vars := mux.Vars(r)
	s.answerRequirements(w, r, func(ctx context.Context, snap *engine.Snapshot, at time.Time, lang string) (string, string, string, any, error) {
		res, err := snap.Requirements(ctx, engine.RequirementsQuery{
			Country: strings.ToUpper(vars["country"]), NumberType: vars["number_type"], Use: use, At: at, Language: lang,
		})
		if err != nil {
			return "", "", "", nil, err
		}
		return res.Availability, res.Country, res.DecisionID, res, nil
	})
}

// requirementsForNumber: GET /v1/requirements?number=+E164&use=[&country=][&type=][&at=].
func (s *Server) requirementsForNumber(w http.ResponseWriter, r *http.Request) {
	number, ok := requiredParam(w, r, "number", "a number in E.164 form, with + written as %2B")
	if !ok {
		return
	}
	use, ok := requiredParam(w, r, "use", "personal or business")
	if !ok {
		return
	}
	// An unescaped + in a query string arrives as a space.
	if strings.HasPrefix(number, " ") {
		number = "+" + strings.TrimSpace(number)
	}
	q := r.URL.Query()
	s.answerRequirements(w, r, func(ctx context.Context, snap *engine.Snapshot, at time.Time, lang string) (string, string, string, any, error) {
		res, err := snap.RequirementsForNumber(ctx, engine.NumberQuery{
			E164: number, Country: strings.ToUpper(q.Get("country")), NumberType: q.Get("type"), Use: use, At: at, Language: lang,
		})
		if err != nil {
			return "", "", "", nil, err
		}
		// The metrics count one answer: the first candidate's country and availability.
		c := res.Candidates[0]
		return c.Availability, c.Country, res.DecisionID, res, nil
	})
}

// answerRequirements runs a requirements question on the current snapshot within an
// evaluation slot, and answers it: its status and country (for the log and metrics) and
// the body to send.
func (s *Server) answerRequirements(w http.ResponseWriter, r *http.Request,
	ask func(ctx context.Context, snap *engine.Snapshot, at time.Time, lang string) (status, country, decisionID string, body any, err error)) {
	snap := s.snapshot(w)
	if snap == nil {
		return
	}
	at, ok := timeParam(w, r, "at")
	if !ok {
		return
	}
	lang, ok := language(w, r, snap)
	if !ok {
		return
	}
	ctx, release, ok := s.evaluation(w, r)
	if !ok {
		return
	}
	defer release()
	ctx, probe := s.shadow.probe(ctx)
	start := time.Now()
	status, country, id, body, err := ask(ctx, snap, at, lang)
	s.metrics.decisionDuration.WithLabelValues("requirements").Observe(time.Since(start).Seconds())
	if err != nil {
		s.fail(ctx, w, r, err, http.StatusNotFound)
		return
	}
	s.decided(r, "requirements", status, country)
	writeJSON(w, http.StatusOK, body)
	s.shadow.submit(snap, probe, id)
}

// language chooses the language of an answer's messages (engine.Snapshot.Language: the
// lang parameter, else Accept-Language, else English) and says it in Content-Language.
// An answer varies with Accept-Language, which caches must know. A lang that is not a
// language tag is a 400.
func language(w http.ResponseWriter, r *http.Request, snap *engine.Snapshot) (string, bool) {
	w.Header().Add("Vary", "Accept-Language")
	lang, err := snap.Language(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", err.Error()+" (lang is a BCP 47 tag such as de or pt-BR)")
		return "", false
	}
	w.Header().Set("Content-Language", lang)
	return lang, true
}

// timeParam reads an optional RFC 3339 query parameter.
func timeParam(w http.ResponseWriter, r *http.Request, name string) (time.Time, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_parameter", name+" must be an RFC 3339 time such as 2027-01-01T00:00:00Z")
		return time.Time{}, false
	}
	return t, true
}

func requiredParam(w http.ResponseWriter, r *http.Request, name, expected string) (string, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		writeError(w, http.StatusBadRequest, "missing_parameter", "the query parameter "+name+" is required: "+expected)
		return "", false
	}
	return v, true
}

// dataResponse is OPA's Data API response; result is absent when the rule is undefined.
type dataResponse struct {
	Result         any    `json:"result,omitempty"`
	DecisionID     string `json:"decision_id"`
	PolicyRevision string `json:"policy_revision"`
}

// data: POST /v1/data/{path}, OPA's Data API, so OPA clients can query any rule.
func (s *Server) data(w http.ResponseWriter, r *http.Request) {
	snap := s.snapshot(w)
	if snap == nil {
		return
	}
	var input any
	if r.ContentLength != 0 {
		body, ok := s.readJSON(w, r)
		if !ok {
			return
		}
		if len(bytes.TrimSpace(body)) > 0 {
			v, err := engine.ParseJSON(body)
			if err != nil {
				s.fail(r.Context(), w, r, err, http.StatusNotFound)
				return
			}
			req, isObject := v.(map[string]any)
			if !isObject {
				writeError(w, http.StatusBadRequest, "malformed_json", `the body must be an object {"input": ...}`)
				return
			}
			for k := range req {
				if k != "input" {
					writeError(w, http.StatusBadRequest, "unknown_field", fmt.Sprintf(`unknown key %q: the body must be {"input": ...}`, k),
						errorDetail{Code: "unknown_field", Pointer: "/" + k, Message: "only input is allowed"})
					return
				}
			}
			input = req["input"]
		}
	}
	path := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v1/data"), "/")
	ctx, release, ok := s.evaluation(w, r)
	if !ok {
		return
	}
	defer release()
	start := time.Now()
	res, defined, err := snap.Query(ctx, path, input)
	s.metrics.decisionDuration.WithLabelValues("data").Observe(time.Since(start).Seconds())
	if err != nil {
		s.fail(ctx, w, r, err, http.StatusNotFound)
		return
	}
	resp := dataResponse{DecisionID: snap.NewDecisionID(), PolicyRevision: snap.Revision}
	status := "undefined"
	if defined {
		resp.Result, status = res, "defined"
		if res == nil {
			resp.Result = json.RawMessage("null")
		}
	}
	s.decided(r, "data", status, "")
	writeJSON(w, http.StatusOK, resp)
}
