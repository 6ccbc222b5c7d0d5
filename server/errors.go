package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/numgate/numgate/engine"
)

// errorBody is the one error shape of the API: {"error": {"code", "message", "details"}}.
type errorBody struct {
	Error apiError `json:"error"`
}

type apiError struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details,omitempty"`
}

// errorDetail is one problem: with a JSON Pointer into the request, or, for a policy
// tree that does not load, the file position.
type errorDetail struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// writeError writes the error shape with a status.
func writeError(w http.ResponseWriter, status int, code, message string, details ...errorDetail) {
	writeJSON(w, status, errorBody{Error: apiError{Code: code, Message: message, Details: details}})
}

// writeJSON writes v; HTML escaping is off since messages quote user input verbatim.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := encodeJSON(v)
	if err != nil {
		// Only a type JSON cannot hold gets here: a bug, reported as one.
		body = []byte(`{"error":{"code":"internal","message":"the answer could not be encoded"}}` + "\n")
		status = http.StatusInternalServerError
	}
	writeBody(w, status, body)
}

// encodeJSON renders v as writeJSON sends it.
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.Bytes(), err
}

// writeBody sends an encoded JSON answer.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail maps an error from the engine (or from reading the request) to a response: ctx is
// the evaluation's, which may have timed out; unknownCountryStatus is the status of a
// country no file configures (404 where the path names it, 422 where a request's number
// belongs to it). Only errors the caller cannot fix become a 500, and those are logged.
func (s *Server) fail(ctx context.Context, w http.ResponseWriter, r *http.Request, err error, unknownCountryStatus int) {
	var ie *engine.InputError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "body_too_large",
			"the request body is larger than the limit of "+formatBytes(tooBig.Limit)+"; send a smaller body")
	case errors.As(err, &ie):
		status, code := http.StatusBadRequest, problemCode(ie)
		if errors.Is(err, engine.ErrUnknownCountry) {
			status, code = unknownCountryStatus, "unknown_country"
		}
		details := make([]errorDetail, len(ie.Problems))
		for i, p := range ie.Problems {
			details[i] = errorDetail{Code: p.Code, Pointer: p.Pointer, Message: p.Message}
		}
		writeError(w, status, code, ie.Error(), details...)
	case clientGone(r):
		writeError(w, statusClientClosed, "client_closed", "the caller closed the request before the decision was made")
	case timedOut(ctx):
		s.metrics.shed.WithLabelValues("evaluation_timeout").Inc()
		w.Header().Set("Retry-After", itoa(int64(retryAfter.Seconds())))
		writeError(w, http.StatusServiceUnavailable, "evaluation_timeout", "the decision took longer than the server allows and was stopped; retry, or simplify the request")
	default:
		requestLogger(r, s.log).Error().Err(err).Msg("internal error")
		writeError(w, http.StatusInternalServerError, "internal", "the server could not make this decision; it has been logged")
	}
}

// problemCode is the code all problems share, or invalid_input when they differ.
func problemCode(ie *engine.InputError) string {
	if len(ie.Problems) == 0 {
		return "invalid_input"
	}
	code := ie.Problems[0].Code
	for _, p := range ie.Problems[1:] {
		if p.Code != code {
			return "invalid_input"
		}
	}
	return code
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
