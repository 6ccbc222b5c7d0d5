package engine

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The JSON Schemas are part of the engine's contract: the loader checks country, catalogue
// and product files against them, and editors use them (each file names its schema in a
// yaml-language-server comment) to validate and complete as staff type.
//
//go:embed schema/*.json
var schemaFiles embed.FS

const schemaBase = "https://numgate.dev/schema/"

// Schema names, as files under engine/schema.
const (
	schemaCountry    = "country.schema.json"
	schemaCatalog    = "catalog.schema.json"
	schemaProduct    = "product.schema.json"
	schemaAccount    = "account.schema.json"
	schemaContact    = "contact.schema.json"
	schemaFiction    = "fiction.schema.json"
	schemaMessages   = "messages.schema.json"
	schemaActivation = "activation.request.schema.json"
	schemaAction     = "account-action.request.schema.json"
	schemaContactReq = "contact-verification.request.schema.json"
)

// schemas holds the compiled schemas and their raw documents; the raw form lets an
// "unknown key" error list the keys that are allowed there.
type schemas struct {
	compiled map[string]*jsonschema.Schema
	raw      map[string]any
	printer  *message.Printer
}

func loadSchemas() (*schemas, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s := &schemas{compiled: map[string]*jsonschema.Schema{}, raw: map[string]any{}, printer: message.NewPrinter(language.English)}
	entries, err := schemaFiles.ReadDir("schema")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		data, err := schemaFiles.ReadFile("schema/" + e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(data)))
		if err != nil {
			return nil, fmt.Errorf("engine/schema/%s: %w", e.Name(), err)
		}
		if err := c.AddResource(schemaBase+e.Name(), doc); err != nil {
			return nil, fmt.Errorf("engine/schema/%s: %w", e.Name(), err)
		}
		s.raw[schemaBase+e.Name()] = doc
	}
	for url := range s.raw {
		sch, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compiling %s: %w", url, err)
		}
		s.compiled[strings.TrimPrefix(url, schemaBase)] = sch
	}
	return s, nil
}

// violation is one schema failure: where (path of keys and indexes), whether it concerns
// the key at that path rather than its value, a stable code and a message that says what
// is wrong and what is expected.
type violation struct {
	path    []string
	atKey   bool
	missing string // for a missing key: its name (path is then the mapping that lacks it)
	code    string
	message string
}

// validate checks v against the named schema and returns every violation, sorted by path.
func (s *schemas) validate(name string, v any) []violation {
	err := s.compiled[name].Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []violation{{code: "invalid_value", message: err.Error()}}
	}
	var out []violation
	c := collector{schemas: s, value: v}
	c.collect(ve, &out)
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Join(out[i].path, "/") < strings.Join(out[j].path, "/")
	})
	return slices.CompactFunc(out, func(a, b violation) bool {
		return slices.Equal(a.path, b.path) && a.message == b.message
	})
}

// collector gathers a validation error's violations for one value.
type collector struct {
	*schemas
	value any
}

func (s collector) collect(e *jsonschema.ValidationError, out *[]violation) {
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		// Report the branch that failed for a reason other than the value's type: that is
		// the one the author meant. Only when every branch wants another type is the
		// problem the type itself.
		var meant []*jsonschema.ValidationError
		var want []string
		for _, c := range e.Causes {
			if t, ok := c.ErrorKind.(*kind.Type); ok && slices.Equal(c.InstanceLocation, e.InstanceLocation) {
				want = append(want, t.Want...)
				continue
			}
			meant = append(meant, c)
		}
		if len(meant) == 0 && len(want) > 0 {
			*out = append(*out, violation{path: e.InstanceLocation, code: "wrong_type",
				message: fmt.Sprintf("got %s, expected %s", jsonType(e), strings.Join(want, " or "))})
			return
		}
		for _, c := range meant {
			s.collect(c, out)
		}
		return
	case *kind.Group, *kind.AllOf, *kind.Schema, *kind.Reference:
		for _, c := range e.Causes {
			s.collect(c, out)
		}
		return
	case *kind.AdditionalProperties:
		allowed, patterns := s.allowedKeys(e.SchemaURL)
		for _, p := range k.Properties {
			msg := fmt.Sprintf("unknown key %q", p)
			switch {
			case len(allowed) > 0:
				msg += ", expected one of: " + strings.Join(allowed, ", ")
			case len(patterns) > 0:
				msg += ", expected a key matching " + strings.Join(patterns, " or ")
			}
			*out = append(*out, violation{path: append(slices.Clone(e.InstanceLocation), p), atKey: true, code: "unknown_field", message: msg})
		}
		return
	case *kind.PropertyNames:
		// A key of the wrong form: report it at the key, with what its value failed.
		msg := fmt.Sprintf("key %q is not allowed", k.Property)
		for _, c := range e.Causes {
			msg = fmt.Sprintf("key %s", s.leafText(c))
		}
		// The library's instance location of a property-name error is not reliable (it
		// shares a buffer with later locations), so the key is looked up in the value.
		*out = append(*out, violation{path: keyPath(s.value, k.Property), atKey: true, code: "invalid_value", message: msg})
		return
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, violation{path: e.InstanceLocation, missing: m, code: "missing_field",
				message: fmt.Sprintf("missing required key %q", m)})
		}
		return
	}
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			s.collect(c, out)
		}
		return
	}
	code := "invalid_value"
	if _, ok := e.ErrorKind.(*kind.Type); ok {
		code = "wrong_type"
	}
	*out = append(*out, violation{path: e.InstanceLocation, code: code, message: s.leafText(e)})
}

// keyPath finds the path of the first object (in key order) that holds key.
func keyPath(v any, key string) []string {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x[key]; ok {
			return []string{key}
		}
		for _, k := range sortedKeys(x) {
			if p := keyPath(x[k], key); p != nil {
				return append([]string{k}, p...)
			}
		}
	case []any:
		for i, e := range x {
			if p := keyPath(e, key); p != nil {
				return append([]string{strconv.Itoa(i)}, p...)
			}
		}
	}
	return nil
}

// leafText words a single failed keyword as "what is wrong, what is expected".
func (s *schemas) leafText(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		return fmt.Sprintf("got %s, expected %s", k.Got, strings.Join(k.Want, " or "))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		return fmt.Sprintf("%s is not allowed, expected one of: %s", quoteValue(k.Got), strings.Join(want, ", "))
	case *kind.Const:
		return fmt.Sprintf("%s is not allowed, expected %s", quoteValue(k.Got), quoteValue(k.Want))
	case *kind.Pattern:
		return fmt.Sprintf("%q does not have the expected form (pattern %s)", k.Got, k.Want)
	case *kind.Format:
		return fmt.Sprintf("%s is not a valid %s", quoteValue(k.Got), k.Want)
	case *kind.Minimum:
		return s.rangeText(e.SchemaURL, k.Got)
	case *kind.Maximum:
		return s.rangeText(e.SchemaURL, k.Got)
	}
	return e.ErrorKind.LocalizedString(s.printer)
}

// rangeText words a number outside its range, naming the whole range the schema at url
// allows. The value is quoted only when short: the library's own words turn a huge one
// into a float (-1e400 read "got -∞"), and a caller gains nothing from 400 digits.
func (s *schemas) rangeText(url string, got *big.Rat) string {
	node, _ := s.node(url).(map[string]any)
	bound := func(k string) string {
		if n, ok := node[k].(json.Number); ok {
			return n.String()
		}
		return ""
	}
	lo, hi := bound("minimum"), bound("maximum")
	want := "a number"
	if t, _ := node["type"].(string); t == "integer" {
		want = "an integer"
	}
	switch {
	case lo != "" && hi != "":
		want += " from " + lo + " to " + hi
	case lo != "":
		want += " of at least " + lo
	case hi != "":
		want += " of at most " + hi
	}
	return fmt.Sprintf("%s is out of range, expected %s", numberWords(got), want)
}

// numberWords writes a number for a message: as it is when short, else by its size.
func numberWords(r *big.Rat) string {
	if r == nil {
		return "the number"
	}
	if !r.IsInt() {
		return r.FloatString(3)
	}
	digits := new(big.Int).Abs(r.Num()).String()
	if len(digits) <= 20 {
		return r.Num().String()
	}
	if r.Sign() < 0 {
		return fmt.Sprintf("a negative number of %d digits", len(digits))
	}
	return fmt.Sprintf("a number of %d digits", len(digits))
}

// node is the raw schema at url (ending in a JSON Pointer fragment), or nil.
func (s *schemas) node(url string) any {
	base, frag, _ := strings.Cut(url, "#")
	node := s.raw[base]
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		if tok == "" {
			continue
		}
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	return node
}

// allowedKeys lists the properties, and the key patterns, that the schema at url (ending
// in a JSON Pointer fragment) defines, for "unknown key" messages.
func (s *schemas) allowedKeys(url string) (keys, patterns []string) {
	m, _ := s.node(url).(map[string]any)
	props, _ := m["properties"].(map[string]any)
	pats, _ := m["patternProperties"].(map[string]any)
	return sortedKeys(props), sortedKeys(pats)
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonType(e *jsonschema.ValidationError) string {
	for _, c := range e.Causes {
		if t, ok := c.ErrorKind.(*kind.Type); ok {
			return t.Got
		}
	}
	return "a value"
}

// RequestSchemas are the JSON Schemas of the decision requests, by decision kind, as the
// engine checks them; the HTTP API's OpenAPI document carries the same schemas.
func RequestSchemas() map[Kind][]byte {
	out := map[Kind][]byte{}
	for _, k := range Kinds {
		out[k], _ = schemaFiles.ReadFile("schema/" + kinds[k].schema)
	}
	return out
}
