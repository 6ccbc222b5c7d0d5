package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/open-policy-agent/opa/v1/ast"
)

// maskQuery decides what a logged decision must not keep (policies/log_mask.rego).
const maskQuery = "data.numgate.log.mask"

// Masked is a decision as the decision log keeps it.
type Masked struct {
	Request json.RawMessage
	Result  json.RawMessage
}

// maskOp is one entry of the masking policy.
type maskOp struct {
	op    string
	path  []string // the pointer's segments, unescaped ("~1" is "/")
	index []int    // each segment as an array index, -1 where it is none
}

// newMaskOp reads a mask: op, and a JSON Pointer ("/request/identity/fields/*").
func newMaskOp(op, pointer string) *maskOp {
	o := &maskOp{op: op}
	for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 || strconv.Itoa(i) != seg {
			i = -1
		}
		o.path, o.index = append(o.path, seg), append(o.index, i)
	}
	return o
}

// loadMasks evaluates the masking policy for every logged kind, once per snapshot: its
// rules see only input.kind, so every decision of a kind is masked alike, and a rule
// that produces something other than {op, path} fails the load at the rule, not the
// first decision.
func (s *Snapshot) loadMasks(ctx context.Context) error {
	s.masks = make(map[Kind][]*maskOp, len(Kinds))
	for _, kind := range Kinds {
		out, err := eval(ctx, s.mask, ast.NewObject(ast.Item(ast.StringTerm("kind"), ast.StringTerm(string(kind)))))
		if err != nil {
			return fmt.Errorf("masking: %w", err)
		}
		list, _ := out.([]any)
		var ops []*maskOp
		for _, o := range list {
			m, _ := o.(map[string]any)
			op, _ := m["op"].(string)
			path, _ := m["path"].(string)
			if _, known := restriction[op]; !strings.HasPrefix(path, "/") || !known {
				shown, _ := json.Marshal(o)
				return s.maskDiagnostic(fmt.Sprintf("for %s decisions the mask %s is not {op: keep, last_digits or remove, path: a JSON Pointer such as /request/identity/address/city}", kind, shown))
			}
			ops = append(ops, newMaskOp(op, path))
		}
		s.masks[kind] = ops
	}
	return nil
}

// maskDiagnostic reports a problem of the masking policy at its first mask rule.
func (s *Snapshot) maskDiagnostic(msg string) Diagnostics {
	d := Diagnostic{File: "policies", Message: msg}
	if rules := s.compiler.GetRulesExact(ast.MustParseRef(maskQuery)); len(rules) > 0 && rules[0].Location != nil {
		loc := rules[0].Location
		d.File, d.Line, d.Column = loc.File, loc.Row, loc.Col
	}
	return Diagnostics{d}
}

// MaskForLog applies the masking policy (policies/log_mask.rego) to a decision's request
// and result, both JSON as sent and answered. kind is activation, account_action or
// contact_verification. The documents are copied in one pass, compacted, with what a
// mask reaches replaced (or removed), instead of being decoded and encoded again: a
// decision's answer is a few kilobytes, and decoding it cost more than deciding it.
func (s *Snapshot) MaskForLog(kind Kind, request, result []byte) (Masked, error) {
	ops, ok := s.masks[kind]
	if !ok {
		return Masked{}, fmt.Errorf("masking: no masks for decision kind %q; the kinds are %v", kind, Kinds)
	}
	var mk Masked
	for _, doc := range []struct {
		name string
		raw  []byte
		out  *json.RawMessage
	}{{"request", request, &mk.Request}, {"result", result, &mk.Result}} {
		if !json.Valid(doc.raw) {
			return Masked{}, fmt.Errorf("masking: the %s is not JSON", doc.name)
		}
		// The document is the member "request" or "result" of what the pointers address.
		m := masker{in: doc.raw, out: make([]byte, 0, len(doc.raw))}
		switch removed, replaced, next, kept := m.member(0, ops, []byte(doc.name), -1, false); {
		case removed:
			*doc.out = json.RawMessage("null")
		case replaced != nil:
			*doc.out = replaced
		default:
			m.value(1, next, kept)
			*doc.out = m.out
		}
	}
	return mk, nil
}

// masker copies one well-formed JSON document (json.Valid has accepted it) and masks
// the values whose path a mask matches. Paths are compared segment by segment, "*"
// matching every key or index.
type masker struct {
	in  []byte
	pos int
	out []byte
}

func (m *masker) space() {
	for m.pos < len(m.in) {
		switch m.in[m.pos] {
		case ' ', '\t', '\n', '\r':
			m.pos++
		default:
			return
		}
	}
}

// value copies the value at pos; ops are the masks whose first depth segments match
// the path that leads here; kept says that a mask kept an enclosing value.
func (m *masker) value(depth int, ops []*maskOp, kept bool) {
	m.space()
	switch m.in[m.pos] {
	case '{':
		m.object(depth, ops, kept)
	case '[':
		m.array(depth, ops, kept)
	default:
		start := m.pos
		m.skipScalar()
		m.out = append(m.out, m.in[start:m.pos]...)
	}
}

// member reports what the masks do to the value at pos, reached from the path so far by
// key (an object key's text) or index (an array index, when index >= 0): it is removed,
// replaced (by the JSON text returned), or copied with the masks that reach further down
// (next), kept says whether what they do not reach is kept. The masks are an
// allow-list: a mask that ends here keeps the value (keep: all of it but what a deeper
// mask restricts), keeps a phone's last digits (last_digits) or drops it (remove); a
// scalar neither a mask nor a kept enclosing value allows is masked. pos does not move.
func (m *masker) member(depth int, ops []*maskOp, key []byte, index int, kept bool) (removed bool, replaced []byte, next []*maskOp, keep bool) {
	m.space()
	var ending *maskOp // the most restrictive mask that ends here
	for _, o := range ops {
		if !o.matches(depth, key, index) {
			continue
		}
		if len(o.path) > depth+1 {
			next = append(next, o)
			continue
		}
		if ending == nil || restriction[o.op] > restriction[ending.op] {
			ending = o
		}
	}
	keep = kept || (ending != nil && ending.op == "keep")
	container := m.in[m.pos] == '{' || m.in[m.pos] == '['
	start := m.pos
	switch {
	case ending != nil && ending.op == "remove" && index < 0:
		return true, nil, nil, false // an object member goes; an array element is masked, indexes stay
	case ending != nil && ending.op != "keep":
		m.skipValue()
		replaced = maskJSONValue(m.in[start:m.pos], ending.op)
	case container:
		return false, nil, next, keep
	case keep || m.in[m.pos] == 'n': // kept, or null, which holds nothing to hide
		return false, nil, nil, false
	default:
		replaced = []byte(`"[masked]"`)
	}
	m.pos = start
	return false, replaced, nil, false
}

// restriction orders the masks that may end at one value: the most restrictive wins.
var restriction = map[string]int{"keep": 0, "last_digits": 1, "remove": 2}

func (o *maskOp) matches(depth int, key []byte, index int) bool {
	want := o.path[depth]
	if want == "*" {
		return true
	}
	if index >= 0 {
		return o.index[depth] == index
	}
	return string(key) == want
}

func (m *masker) object(depth int, ops []*maskOp, kept bool) {
	m.pos++ // {
	m.out = append(m.out, '{')
	first := true
	for m.element('}') {
		keyStart := m.pos
		m.skipScalar()
		rawKey := m.in[keyStart:m.pos]
		m.space()
		m.pos++ // :
		m.space()
		removed, replaced, next, keep := m.member(depth, ops, keyText(rawKey), -1, kept)
		if removed {
			m.skipValue()
			continue
		}
		if !first {
			m.out = append(m.out, ',')
		}
		first = false
		m.out = append(append(m.out, rawKey...), ':')
		m.memberValue(depth, replaced, next, keep)
	}
	m.out = append(m.out, '}')
}

func (m *masker) array(depth int, ops []*maskOp, kept bool) {
	m.pos++ // [
	m.out = append(m.out, '[')
	for i := 0; m.element(']'); i++ {
		if i > 0 {
			m.out = append(m.out, ',')
		}
		_, replaced, next, keep := m.member(depth, ops, nil, i, kept) // an element is never removed
		m.memberValue(depth, replaced, next, keep)
	}
	m.out = append(m.out, ']')
}

// element moves to the next member of an object or array, past the comma between two;
// at the closing bracket it moves past it and says there is none.
func (m *masker) element(closing byte) bool {
	m.space()
	if m.in[m.pos] == closing {
		m.pos++
		return false
	}
	if m.in[m.pos] == ',' {
		m.pos++
		m.space()
	}
	return true
}

// memberValue writes the value at pos: its replacement, or the value itself with the
// masks that reach into it.
func (m *masker) memberValue(depth int, replaced []byte, next []*maskOp, kept bool) {
	if replaced != nil {
		m.skipValue()
		m.out = append(m.out, replaced...)
		return
	}
	m.value(depth+1, next, kept)
}

// skipValue moves pos past the value at pos.
func (m *masker) skipValue() {
	m.space()
	switch m.in[m.pos] {
	case '{', '[':
		level := 0
		for {
			switch m.in[m.pos] {
			case '{', '[':
				level++
				m.pos++
			case '}', ']':
				level--
				m.pos++
				if level == 0 {
					return
				}
			case '"':
				m.skipScalar()
			default:
				m.pos++
			}
		}
	default:
		m.skipScalar()
	}
}

// skipScalar moves pos past a string, number or literal.
func (m *masker) skipScalar() {
	if m.in[m.pos] == '"' {
		m.pos++
		for m.in[m.pos] != '"' {
			if m.in[m.pos] == '\\' {
				m.pos++
			}
			m.pos++
		}
		m.pos++
		return
	}
	for m.pos < len(m.in) {
		switch m.in[m.pos] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return
		}
		m.pos++
	}
}

// keyText is the text of an object key's JSON string token, without copying it when it
// has no escapes.
func keyText(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	return []byte(jsonString(raw))
}

// jsonString is the text of a JSON string token.
func jsonString(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // the document is valid JSON
	return s
}

// maskJSONValue masks one JSON value: last_digits keeps the last four digits of a
// string, everything else becomes "[masked]".
func maskJSONValue(raw []byte, op string) []byte {
	if op == "last_digits" && len(raw) > 0 && raw[0] == '"' {
		masked, _ := json.Marshal(lastDigits(jsonString(raw)))
		return masked
	}
	return []byte(`"[masked]"`)
}

func lastDigits(s string) string {
	var digits []rune
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits = append(digits, r)
		}
	}
	if len(digits) > 4 {
		return strings.Repeat("*", len(digits)-4) + string(digits[len(digits)-4:])
	}
	return strings.Repeat("*", len(digits))
}
