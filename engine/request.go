package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Errors a caller can act on. An *InputError wraps one of them, so a transport maps it
// with errors.Is and reads the problems for the details.
var (
	// ErrInvalidInput: the request is malformed or breaks the request schema.
	ErrInvalidInput = errors.New("invalid input")
	// ErrUnknownCountry: the request names, or its number belongs to, a country that no
	// country file configures.
	ErrUnknownCountry = errors.New("unknown country")
)

// Problem is one thing wrong with a request, at a JSON Pointer into it.
type Problem struct {
	Code    string `json:"code"`
	Pointer string `json:"pointer,omitempty"`
	Message string `json:"message"`
}

// InputError says why a request cannot be decided as given, with every problem found.
type InputError struct {
	Err      error // ErrInvalidInput or ErrUnknownCountry
	Problems []Problem
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		if p.Pointer != "" {
			parts[i] = p.Pointer + ": " + p.Message
		} else {
			parts[i] = p.Message
		}
	}
	return e.Err.Error() + ": " + strings.Join(parts, "; ")
}

func (e *InputError) Unwrap() error { return e.Err }

func invalid(problems ...Problem) *InputError {
	return &InputError{Err: ErrInvalidInput, Problems: problems}
}

// decodeJSON reads exactly one JSON value, keeping numbers exact.
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalid(Problem{Code: "malformed_json", Message: jsonErrorText(err, body)})
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid(Problem{Code: "malformed_json", Message: fmt.Sprintf("unexpected data after the JSON value at byte %d; send exactly one JSON object", dec.InputOffset())})
	}
	return v, nil
}

func jsonErrorText(err error, body []byte) string {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.Is(err, io.EOF):
		return "the body is empty; send a JSON object"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("the JSON ends early after %d bytes; send a complete JSON object", len(body))
	}
	return "malformed JSON: " + err.Error()
}

// checkSchema validates a decoded request, turning every violation into a problem.
func (s *Snapshot) checkSchema(schema string, v any) error {
	vs := s.schemas.validate(schema, v)
	if len(vs) == 0 {
		return nil
	}
	ps := make([]Problem, len(vs))
	for i, vi := range vs {
		path := vi.path
		if vi.missing != "" {
			path = append(slices.Clone(path), vi.missing)
		}
		ps[i] = Problem{Code: vi.code, Pointer: pointer(path), Message: vi.message}
	}
	return invalid(ps...)
}

// pointer renders a path as an RFC 6901 JSON Pointer.
func pointer(path []string) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		b.WriteString(strings.ReplaceAll(strings.ReplaceAll(p, "~", "~0"), "/", "~1"))
	}
	return b.String()
}
