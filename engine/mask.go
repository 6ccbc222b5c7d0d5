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
	op   string
	path []string
}

// logKinds are the decision kinds the decision log records, as MaskForLog names them.
var logKinds = []string{"activation", "account_action", "contact_verification"}

// loadMasks evaluates the masking policy for every logged kind, once per snapshot: its
// rules see only input.kind, so every decision of a kind is masked alike, and a rule
// that produces something other than {op, path} fails the load at the rule, not the
// first decision.
func (s *Snapshot) loadMasks(ctx context.Context) error {
	s.masks = make(map[string][]maskOp, len(logKinds))
	for _, kind := range logKinds {
		out, err := eval(ctx, s.mask, ast.NewObject(ast.Item(ast.StringTerm("kind"), ast.StringTerm(kind))))
		if err != nil {
			return fmt.Errorf("masking: %w", err)
		}
		list, _ := out.([]any)
		var ops []maskOp
		for _, o := range list {
			m, _ := o.(map[string]any)
			op, _ := m["op"].(string)
			path, _ := m["path"].(string)
			if !strings.HasPrefix(path, "/") || (op != "redact" && op != "remove" && op != "last_digits") {
				shown, _ := json.Marshal(o)
				return s.maskDiagnostic(fmt.Sprintf("for %s decisions the mask %s is not {op: redact, remove or last_digits, path: a JSON Pointer such as /request/identity/address/street}", kind, shown))
			}
			ops = append(ops, maskOp{op: op, path: strings.Split(path[1:], "/")})
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
// contact_verification.
func (s *Snapshot) MaskForLog(kind string, request, result []byte) (Masked, error) {
	ops, ok := s.masks[kind]
	if !ok {
		return Masked{}, fmt.Errorf("masking: no masks for decision kind %q; the kinds are %v", kind, logKinds)
	}
	doc := map[string]any{}
	for name, raw := range map[string][]byte{"request": request, "result": result} {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return Masked{}, fmt.Errorf("masking: the %s is not JSON: %w", name, err)
		}
		doc[name] = v
	}
	for _, o := range ops {
		applyMask(doc, o.path, o.op)
	}
	var mk Masked
	var err error
	if mk.Request, err = json.Marshal(doc["request"]); err != nil {
		return Masked{}, err
	}
	mk.Result, err = json.Marshal(doc["result"])
	return mk, err
}

// applyMask walks a JSON Pointer ("*" matching every key or index) and masks what it
// reaches; a path that reaches nothing masks nothing.
func applyMask(node any, path []string, op string) {
	if len(path) == 0 {
		return
	}
	seg := strings.ReplaceAll(strings.ReplaceAll(path[0], "~1", "/"), "~0", "~")
	last := len(path) == 1
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if seg != "*" && k != seg {
				continue
			}
			if !last {
				applyMask(v, path[1:], op)
				continue
			}
			if op == "remove" {
				delete(n, k)
			} else {
				n[k] = maskValue(v, op)
			}
		}
	case []any:
		for i, v := range n {
			if seg != "*" && strconv.Itoa(i) != seg {
				continue
			}
			if last {
				n[i] = maskValue(v, op) // an element is redacted, never removed: indexes stay
			} else {
				applyMask(v, path[1:], op)
			}
		}
	}
}

func maskValue(v any, op string) any {
	if s, ok := v.(string); ok && op == "last_digits" {
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
	return "[masked]"
}
