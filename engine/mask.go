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

// masksFor is the masking policy for a kind, evaluated once per snapshot: the rules see
// only input.kind, so every decision of a kind is masked alike.
func (s *Snapshot) masksFor(ctx context.Context, kind string) ([]maskOp, error) {
	s.masksMu.Lock()
	defer s.masksMu.Unlock()
	if ops, ok := s.masks[kind]; ok {
		return ops, nil
	}
	out, err := eval(ctx, s.mask, ast.NewObject(ast.Item(ast.StringTerm("kind"), ast.StringTerm(kind))))
	if err != nil {
		return nil, fmt.Errorf("masking: %w", err)
	}
	var ops []maskOp
	list, _ := out.([]any)
	for _, o := range list {
		m, _ := o.(map[string]any)
		op, _ := m["op"].(string)
		path, _ := m["path"].(string)
		if !strings.HasPrefix(path, "/") || (op != "redact" && op != "remove" && op != "last_digits") {
			return nil, fmt.Errorf("masking: %v is not {op: redact|remove|last_digits, path: /json/pointer}", o)
		}
		ops = append(ops, maskOp{op: op, path: strings.Split(path[1:], "/")})
	}
	if s.masks == nil {
		s.masks = map[string][]maskOp{}
	}
	s.masks[kind] = ops
	return ops, nil
}

// MaskForLog applies the masking policy (policies/log_mask.rego) to a decision's request
// and result. kind is activation, account_action or contact_verification.
func (s *Snapshot) MaskForLog(ctx context.Context, kind string, request []byte, result any) (Masked, error) {
	ops, err := s.masksFor(ctx, kind)
	if err != nil {
		return Masked{}, err
	}
	var req, res any
	dec := json.NewDecoder(bytes.NewReader(request))
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		return Masked{}, fmt.Errorf("masking: the request is not JSON: %w", err)
	}
	raw, err := json.Marshal(result)
	if err != nil {
		return Masked{}, err
	}
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&res); err != nil {
		return Masked{}, err
	}
	doc := map[string]any{"request": req, "result": res}
	for _, o := range ops {
		applyMask(doc, o.path, o.op)
	}
	var mk Masked
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
