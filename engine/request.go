package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
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
//
// It has the shape of a Reason, and is one: a code, where in the request to act, and
// what to do.
type Problem = Reason

// InputError says why a request cannot be decided as given, with every problem found.
type InputError struct {
	Err      error // ErrInvalidInput or ErrUnknownCountry
	Problems []Problem
}

func (e *InputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msg := p.Message
		if msg == "" && p.text != nil {
			msg = p.text.id // not rendered: an engine entry point that forgot to localize
		}
		if p.Pointer != "" {
			parts[i] = p.Pointer + ": " + msg
		} else {
			parts[i] = msg
		}
	}
	return e.Err.Error() + ": " + strings.Join(parts, "; ")
}

func (e *InputError) Unwrap() error { return e.Err }

func invalid(problems ...Problem) *InputError {
	return &InputError{Err: ErrInvalidInput, Problems: problems}
}

// maxDepth bounds how deeply a request may nest; no request needs more than a few
// levels, and a deep one only costs the server.
const maxDepth = 32

// ParseJSON reads one JSON value as the engine reads requests: numbers exact, duplicate
// keys and excessive nesting refused with an *InputError.
func ParseJSON(body []byte) (any, error) { return decodeJSON(body) }

// decodeJSON reads exactly one JSON value, keeping numbers exact. A key defined twice in
// one object is refused rather than silently overwritten, and so is nesting deeper than
// maxDepth.
func decodeJSON(body []byte) (any, error) {
	body, err := utf8Text(body)
	if err != nil {
		return nil, err
	}
	if v, ok := fastDecode(body); ok {
		return v, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err = dec.Decode(&v)
	trailing := false
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err, trailing = terr, true
		}
	}
	// The token walk that names a duplicate key or excessive nesting is slow, so it runs
	// only when it can find something: when the body is not one well-formed value (a
	// problem it finds earlier in the body comes first), or when the text holds more keys
	// than the decoded objects (one was given twice) or nests deeper than maxDepth.
	if err != nil || suspectShape(body, v) {
		if serr := checkJSONShape(body); serr != nil {
			return nil, serr
		}
	}
	switch {
	case trailing:
		return nil, invalid(Problem{Code: "malformed_json", Message: fmt.Sprintf("unexpected data after the JSON value at byte %d; send exactly one JSON object", dec.InputOffset())})
	case err != nil:
		return nil, invalid(Problem{Code: "malformed_json", Message: jsonErrorText(err, body)})
	}
	return v, nil
}

// utf8Text is a body's text as JSON is read: a byte-order mark some clients write is
// ignored, as RFC 8259 lets a reader do; bytes that are not UTF-8 are refused rather
// than read as replacement characters.
func utf8Text(body []byte) ([]byte, error) {
	body = bytes.TrimPrefix(body, []byte("\ufeff"))
	if utf8.Valid(body) {
		return body, nil
	}
	at := 0
	for at < len(body) {
		r, n := utf8.DecodeRune(body[at:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		at += n
	}
	return nil, invalid(Problem{Code: "malformed_json", Message: fmt.Sprintf("the body is not UTF-8 (an invalid byte at offset %d); send the JSON encoded as UTF-8", at)})
}

// suspectShape says whether a well-formed body, decoded as v, may hold a duplicate key
// or nest too deep: its text has more object keys than v, or more nesting than maxDepth.
func suspectShape(body []byte, v any) bool {
	keys, depth := 0, 0
	level := 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			level++
			depth = max(depth, level)
		case '}', ']':
			level--
		case '"':
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			// In well-formed JSON a string followed by a colon is an object key.
			j := i + 1
			for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r') {
				j++
			}
			if j < len(body) && body[j] == ':' {
				keys++
			}
		}
	}
	return depth > maxDepth || keys != countKeys(v)
}

// countKeys counts the keys of every object in a decoded value.
func countKeys(v any) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		n += len(x)
		for _, e := range x {
			n += countKeys(e)
		}
	case []any:
		for _, e := range x {
			n += countKeys(e)
		}
	}
	return n
}

// checkJSONShape walks the tokens once for what encoding/json lets through: duplicate
// keys (reported with their JSON Pointer) and excessive depth.
func checkJSONShape(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		path   []string
		index  int
		key    string // the object's pending key, awaiting its value
		expect bool   // an object awaits a key (true) or a value (false)
	}
	var stack []*frame
	pathOf := func() []string {
		if len(stack) == 0 {
			return nil
		}
		f := stack[len(stack)-1]
		if f.object {
			return append(slices.Clone(f.path), f.key)
		}
		return append(slices.Clone(f.path), fmt.Sprint(f.index))
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.expect = true
		} else {
			f.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // syntax errors are decodeJSON's to report, with their offset
		}
		if len(stack) > 0 {
			if f := stack[len(stack)-1]; f.object && f.expect {
				if key, ok := tok.(string); ok {
					if f.keys[key] {
						return invalid(Problem{Code: "duplicate_key", Pointer: pointer(append(slices.Clone(f.path), key)),
							Message: fmt.Sprintf("key %q is given twice in one object; send each key once", key)})
					}
					f.keys[key] = true
					f.key, f.expect = key, false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			if len(stack) >= maxDepth {
				return invalid(Problem{Code: "too_deep", Pointer: pointer(pathOf()),
					Message: fmt.Sprintf("the JSON nests deeper than %d levels; no request needs that", maxDepth)})
			}
			stack = append(stack, &frame{object: tok == json.Delim('{'), keys: map[string]bool{}, path: pathOf(), expect: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
			if len(stack) == 0 {
				return nil
			}
		default:
			valueDone()
			if len(stack) == 0 {
				return nil
			}
		}
	}
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
