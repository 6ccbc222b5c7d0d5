package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/numgate/numgate/engine"
)

// schema is the part of a request's JSON Schema (engine/schema/*.request.schema.json)
// a form is made from, with its properties in the order the schema lists them.
type schema struct {
	Type        string     `json:"type"`
	Enum        []string   `json:"enum"`
	Description string     `json:"description"`
	Format      string     `json:"format"`
	MaxLength   *int       `json:"maxLength"`
	Minimum     *int       `json:"minimum"`
	Maximum     *int       `json:"maximum"`
	Required    []string   `json:"required"`
	Properties  properties `json:"properties"`
	Items       *schema    `json:"items"`
}

type properties []property

type property struct {
	Name   string
	Schema *schema
}

// UnmarshalJSON keeps the properties in the schema's order, which is the form's.
func (ps *properties) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return fmt.Errorf("properties is not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var s schema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("property %v: %w", t, err)
		}
		*ps = append(*ps, property{Name: t.(string), Schema: &s})
	}
	return nil
}

// requestSchemas reads the engine's request schema of every decision kind.
func requestSchemas() (map[engine.Kind]*schema, error) {
	out := map[engine.Kind]*schema{}
	for kind, raw := range engine.RequestSchemas() {
		var s schema
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("the %s request schema: %w", kind, err)
		}
		out[kind] = &s
	}
	return out, nil
}

// formMaker makes a form from a schema; a control it has a maker for at a pointer is
// made by that instead (nil leaves the member out).
type formMaker struct {
	custom map[string]func() *node
	preset map[string]string // values a control starts with
}

func (fm formMaker) make(s *schema) *node {
	root := fm.node("", "", s, true)
	if root == nil {
		root = &node{Control: ctlGroup}
	}
	return root
}

func (fm formMaker) node(ptr, name string, s *schema, required bool) *node {
	if make, ok := fm.custom[ptr]; ok && ptr != "" {
		return make()
	}
	n := &node{Pointer: ptr, Label: label(name), Hint: s.Description, Value: fm.preset[ptr]}
	switch {
	case len(s.Properties) > 0:
		n.Control, n.Required = ctlGroup, required
		for _, p := range s.Properties {
			req := false
			for _, r := range s.Required {
				req = req || r == p.Name
			}
			if c := fm.node(ptr+"/"+p.Name, p.Name, p.Schema, req); c != nil {
				n.Children = append(n.Children, c)
			}
		}
		if len(n.Children) == 0 {
			return nil
		}
	case len(s.Enum) > 0:
		n.Control, n.Options = ctlSelect, options(s.Enum)
	case s.Type == "array" && s.Items != nil && len(s.Items.Enum) > 0:
		n.Control, n.Options = ctlChoices, options(s.Items.Enum)
	case s.Type == "boolean":
		n.Control, n.Options = ctlBool, []option{{"true", "yes"}, {"false", "no"}}
	case s.Type == "integer":
		n.Control = ctlNumber
		if s.Minimum != nil && s.Maximum != nil && s.Description == "" {
			n.Hint = joinHint(n.Hint, fmt.Sprintf("%d to %d.", *s.Minimum, *s.Maximum))
		}
	case s.Type == "string" && s.Format == "date-time":
		n.Control = ctlDateTime
		n.Label += " (UTC)"
	case s.Type == "string" && s.Format == "date":
		n.Control = ctlDate
	case s.Type == "string":
		n.Control = ctlText
	default:
		return nil // an object of free names or an array of objects needs its own maker
	}
	return n
}

func options(vals []string) []option {
	out := make([]option, len(vals))
	for i, v := range vals {
		out[i] = option{Value: v, Label: words(v)}
	}
	return out
}

// label makes a member's name a label: active_orders → Active orders.
func label(name string) string {
	if l, ok := labels[name]; ok {
		return l
	}
	s := words(name)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// labels are the names words() would not make readable.
var labels = map[string]string{
	"e164":          "Number (E.164)",
	"at":            "Decision time",
	"id":            "ID",
	"case_id":       "Case ID",
	"two_factor":    "Two-factor authentication",
	"sent_at":       "Last code sent at",
	"allow_letters": "Allow letters",
}

func joinHint(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}
