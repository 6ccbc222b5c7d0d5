// Package cases runs decision cases: YAML files under testdata/cases, each an input, a
// pinned decision time and the expected decision. `go test` and `numgate test` run the
// same cases through this package, so compliance staff and CI see the same results.
package cases

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/numgate/numgate/engine"
)

// Case is one decision case file.
type Case struct {
	File        string `yaml:"-"`
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Now is the decision time (RFC 3339), unless the input gives its own "at".
	Now    string         `yaml:"now"`
	Kind   engine.Kind    `yaml:"kind"` // activation when omitted
	Input  map[string]any `yaml:"input"`
	Expect Expectation    `yaml:"expect"`
}

// Expectation is what the decision must say. Unset fields are not checked, except the
// lists that name what is open — unsatisfied and violations (activation), open_steps
// and recommendations (account-action), reasons (contact-verification) — which must
// match exactly: a case that expects "incomplete" names every requirement left open.
type Expectation struct {
	Error        string `yaml:"error"`         // problem code of a refused input
	ErrorPointer string `yaml:"error_pointer"` // and the JSON Pointer that problem names

	// every kind: the envelope
	Status   string   `yaml:"status"`
	Allow    *bool    `yaml:"allow"`
	NextStep string   `yaml:"next_step"`
	Reasons  []string `yaml:"reasons"` // every reason code, checked exactly (any order) when given

	// activation
	CanRouteCalls *bool               `yaml:"can_route_calls"`
	Unsatisfied   map[string]string   `yaml:"unsatisfied"` // requirement id -> code
	Review        map[string]string   `yaml:"review"`      // satisfied but for review: id -> code
	Evidence      map[string][]string `yaml:"evidence"`    // requirement id -> document ids, for the ids listed
	Unavailable   string              `yaml:"unavailable"` // reason code when unknown or not_available

	// account_action
	OpenSteps       []string `yaml:"open_steps"`
	Recommendations []string `yaml:"recommendations"`

	// contact_verification
	Contact      map[string]string `yaml:"contact"` // e.g. e164, line_type, country
	CodeLength   *int              `yaml:"code_length"`
	AttemptsLeft *int              `yaml:"attempts_left"`
	ExpiresAt    string            `yaml:"expires_at"`
	ResendAt     string            `yaml:"resend_allowed_at"` // "none": absent
	Fallback     string            `yaml:"fallback"`          // fallback channel
}

// Load reads every *.yaml case under root, sorted by path. Files that cannot be read as
// cases are reported together, each with its file and line.
func Load(fsys fs.FS, root string) ([]Case, error) {
	var out []Case
	var errs []error
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".yaml" {
			return nil
		}
		c, err := loadCase(fsys, p)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, errors.Join(errs...)
}

func loadCase(fsys fs.FS, p string) (Case, error) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Case{}, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Case
	if err := dec.Decode(&c); err != nil {
		return Case{}, fmt.Errorf("%s: %w", p, err)
	}
	c.File = p
	var missing []string
	if c.Name == "" {
		missing = append(missing, "name")
	}
	if c.Now == "" {
		missing = append(missing, "now")
	} else if _, err := time.Parse(time.RFC3339, c.Now); err != nil {
		return Case{}, fmt.Errorf("%s: now %q is not an RFC 3339 time, expected e.g. 2026-11-25T12:00:00Z", p, c.Now)
	}
	if c.Input == nil {
		missing = append(missing, "input")
	}
	if c.Expect.Status == "" && c.Expect.Error == "" && c.Expect.Allow == nil {
		missing = append(missing, "expect.status, expect.allow or expect.error")
	}
	if len(missing) > 0 {
		return Case{}, fmt.Errorf("%s: missing %s", p, strings.Join(missing, ", "))
	}
	if c.Kind == "" {
		c.Kind = engine.KindActivation
	}
	k, err := engine.ParseKind(string(c.Kind))
	if err != nil {
		return Case{}, fmt.Errorf("%s: %w", p, err)
	}
	c.Kind = k
	return c, nil
}

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Failures []string        // what differed; empty when the case passed
	Decision engine.Decision // the decision, when one was made
	Err      error           // the decision could not be made (not an expected input error)
	Duration time.Duration
}

// Passed says whether the decision matched every expectation.
func (r Result) Passed() bool { return r.Err == nil && len(r.Failures) == 0 }

// Body is the case's request as JSON, with its decision time.
func (c Case) Body() ([]byte, error) {
	input := JSONValue(c.Input).(map[string]any)
	if _, ok := input["at"]; !ok {
		input["at"] = c.Now
	}
	return json.Marshal(input)
}

// Run makes the case's decision on snap and compares it with the expectation.
func Run(ctx context.Context, snap *engine.Snapshot, c Case) Result {
	start := time.Now()
	res := Result{Case: c}
	body, err := c.Body()
	if err != nil {
		res.Err = err
		return res
	}
	d, err := snap.Decide(ctx, c.Kind, body)
	if err == nil {
		res.Decision = d
	}
	res.Duration = time.Since(start)
	var ie *engine.InputError
	switch {
	case errors.As(err, &ie):
		res.Failures = refused(c.Expect, ie.Problems, ie.Error())
	case err != nil:
		res.Err = err
	default:
		res.Failures = decided(c, d)
	}
	return res
}

// CheckResponse compares an HTTP answer to the case's request (POST
// /v1/decisions/KIND) with the expectation, so the same cases test the server.
func CheckResponse(c Case, status int, body []byte) []string {
	if status != 200 {
		var e struct {
			Error struct {
				Message string           `json:"message"`
				Details []engine.Problem `json:"details"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			return []string{fmt.Sprintf("status %d with a body that is not the error shape: %s", status, body)}
		}
		return refused(c.Expect, e.Error.Details, fmt.Sprintf("%d %s", status, e.Error.Message))
	}
	var d answer
	if err := json.Unmarshal(body, &d); err != nil {
		return []string{"the decision is not JSON: " + err.Error()}
	}
	return decided(c, d)
}

// refused judges a refused input: one of its problems must carry the expected code (and
// pointer, when the case names one).
func refused(want Expectation, problems []engine.Problem, what string) []string {
	if want.Error == "" {
		return []string{fmt.Sprintf("the input was refused (%s), expected a decision", what)}
	}
	var got []string
	for _, p := range problems {
		if p.Code == want.Error && (want.ErrorPointer == "" || p.Pointer == want.ErrorPointer) {
			return nil
		}
		got = append(got, p.Code+" at "+orNone(p.Pointer))
	}
	wanted := want.Error
	if want.ErrorPointer != "" {
		wanted += " at " + want.ErrorPointer
	}
	return []string{fmt.Sprintf("input refused with %v, expected %s", got, wanted)}
}

// answer is a decision as JSON reads it: every kind's envelope and details, compared
// by their JSON names so that one comparison serves every kind.
type answer map[string]any

// decided judges a decision: an engine.Decision, or an answer read from HTTP.
func decided(c Case, d any) []string {
	if c.Expect.Error != "" {
		return []string{"a decision was made, expected the input to be refused with " + c.Expect.Error}
	}
	a, ok := d.(answer)
	if !ok {
		raw, err := json.Marshal(d)
		if err == nil {
			err = json.Unmarshal(raw, &a)
		}
		if err != nil {
			return []string{"the decision is not JSON: " + err.Error()}
		}
	}
	return compare(c.Expect, a)
}

// differ collects "what: got X, want Y" lines.
type differ []string

func (f *differ) diff(what string, got, want any) {
	*f = append(*f, fmt.Sprintf("%s: got %v, want %v", what, got, want))
}

// exact compares two lists of codes as sets written in any order.
func (f *differ) exact(what string, got, want []string) {
	g, w := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(g, w) {
		f.diff(what, g, w)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func compare(want Expectation, a answer) []string {
	var f differ
	str := func(v any) string { s, _ := v.(string); return s }
	obj := func(v any) answer { m, _ := v.(map[string]any); return m }
	list := func(v any) []any { l, _ := v.([]any); return l }
	codes := func(v any) []string {
		var out []string
		for _, r := range list(v) {
			out = append(out, str(obj(r)["code"]))
		}
		return out
	}
	allow, _ := a["allow"].(bool)
	if want.Status != "" && str(a["status"]) != want.Status {
		f.diff("status", str(a["status"]), want.Status)
	}
	if want.Allow != nil && allow != *want.Allow {
		f.diff("allow", allow, *want.Allow)
	}
	if reasons := codes(a["reasons"]); allow != (len(reasons) == 0) {
		f = append(f, fmt.Sprintf("allow is %v with reasons %v: allow must be true exactly when there is no reason", allow, reasons))
	}
	if want.Reasons != nil {
		f.exact("reasons", codes(a["reasons"]), want.Reasons)
	}
	if want.NextStep != "" && str(obj(a["next_step"])["code"]) != want.NextStep {
		f.diff("next_step", str(obj(a["next_step"])["code"]), want.NextStep)
	}
	// allow is true exactly under the kind's allowing status (active, allowed).
	kind, err := engine.ParseKind(str(a["kind"]))
	if err != nil {
		f = append(f, "the answer's kind: "+err.Error())
	} else if allow != (str(a["status"]) == kind.Statuses()[0]) {
		f = append(f, fmt.Sprintf("allow is %v under status %s: allow must be true exactly when %s", allow, str(a["status"]), kind.Statuses()[0]))
	}
	// What only some kinds answer is checked where the answer has it.
	if _, ok := a["requirements"]; ok {
		compareRequirements(&f, want, a)
	}
	if want.Unavailable != "" && str(obj(a["unavailable"])["code"]) != want.Unavailable {
		f.diff("unavailable", orNone(str(obj(a["unavailable"])["code"])), want.Unavailable)
	}
	if want.CanRouteCalls != nil && a["can_route_calls"] != *want.CanRouteCalls {
		f.diff("can_route_calls", a["can_route_calls"], *want.CanRouteCalls)
	}
	if _, ok := a["open_steps"]; ok {
		var open []string
		for _, id := range list(a["open_steps"]) {
			open = append(open, str(id))
		}
		if !slices.Equal(nonNil(open), nonNil(want.OpenSteps)) {
			f.diff("open_steps (in order)", open, want.OpenSteps)
		}
		f.exact("recommendations", codes(a["recommendations"]), want.Recommendations)
	}
	if contact, ok := a["contact"]; ok {
		for k, v := range want.Contact {
			if str(obj(contact)[k]) != v {
				f.diff("contact."+k, str(obj(contact)[k]), v)
			}
		}
		if got := str(obj(a["fallback"])["channel"]); got != want.Fallback {
			f.diff("fallback", orNone(got), orNone(want.Fallback))
		}
	}
	number := func(k string) int { n, _ := a[k].(float64); return int(n) }
	if want.CodeLength != nil && number("code_length") != *want.CodeLength {
		f.diff("code_length", number("code_length"), *want.CodeLength)
	}
	if want.AttemptsLeft != nil && number("attempts_left") != *want.AttemptsLeft {
		f.diff("attempts_left", number("attempts_left"), *want.AttemptsLeft)
	}
	if want.ExpiresAt != "" && str(a["expires_at"]) != want.ExpiresAt {
		f.diff("expires_at", str(a["expires_at"]), want.ExpiresAt)
	}
	if want.ResendAt != "" && orNone(str(a["resend_allowed_at"])) != want.ResendAt {
		f.diff("resend_allowed_at", orNone(str(a["resend_allowed_at"])), want.ResendAt)
	}
	return f
}

// compareRequirements judges an activation's requirements one by one.
func compareRequirements(f *differ, want Expectation, a answer) {
	got, review := map[string]string{}, map[string]string{}
	evidence := map[string][]string{}
	reqs, _ := a["requirements"].([]any)
	for _, x := range reqs {
		r, _ := x.(map[string]any)
		id, _ := r["id"].(string)
		code, _ := r["code"].(string)
		if r["satisfied"] != true {
			got[id] = code
		}
		if r["review"] == true {
			review[id] = code
		}
		ev, _ := r["evidence"].([]any)
		for _, e := range ev {
			s, _ := e.(string)
			evidence[id] = append(evidence[id], s)
		}
	}
	for _, id := range sortedUnion(got, want.Unsatisfied) {
		if got[id] != want.Unsatisfied[id] {
			f.diff("requirement "+id, orOK(got[id]), orOK(want.Unsatisfied[id]))
		}
	}
	for _, id := range sortedUnion(review, want.Review) {
		if review[id] != want.Review[id] {
			f.diff("review of "+id, orNone(review[id]), orNone(want.Review[id]))
		}
	}
	for _, id := range sortedKeys(want.Evidence) {
		f.exact("evidence of "+id, evidence[id], want.Evidence[id])
	}
}

func orOK(code string) string {
	if code == "" {
		return "satisfied"
	}
	return code
}

func sortedUnion(a, b map[string]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// JSONValue turns YAML's decoded values into JSON's: dates and times, which YAML reads
// as timestamps, back into the strings the API takes.
func JSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = JSONValue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = JSONValue(e)
		}
	case time.Time:
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
