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
	Kind   string         `yaml:"kind"`
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
	Allow        *bool  `yaml:"allow"`
	NextStep     string `yaml:"next_step"`

	// activation
	Status        string              `yaml:"status"`
	CanRouteCalls *bool               `yaml:"can_route_calls"`
	Unsatisfied   map[string]string   `yaml:"unsatisfied"` // requirement id -> code
	Review        map[string]string   `yaml:"review"`      // satisfied but for review: id -> code
	Evidence      map[string][]string `yaml:"evidence"`    // requirement id -> document ids, for the ids listed
	Violations    []string            `yaml:"violations"`  // violation codes
	Unavailable   string              `yaml:"unavailable"` // reason code when not_available

	// account-action
	OpenSteps       []string `yaml:"open_steps"`
	Recommendations []string `yaml:"recommendations"`

	// contact-verification
	Code         string            `yaml:"code"`
	Reasons      []string          `yaml:"reasons"`
	Contact      map[string]string `yaml:"contact"` // e.g. e164, line_type, country
	CodeLength   *int              `yaml:"code_length"`
	AttemptsLeft *int              `yaml:"attempts_left"`
	ExpiresAt    string            `yaml:"expires_at"`
	ResendAt     string            `yaml:"resend_allowed_at"` // "none": absent
	Fallback     string            `yaml:"fallback"`          // fallback channel
}

// Kinds of decision a case may make.
var kinds = []string{"activation", "account-action", "contact-verification"}

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
		c.Kind = "activation"
	}
	if !slices.Contains(kinds, c.Kind) {
		return Case{}, fmt.Errorf("%s: kind %q is not supported, expected one of %v", p, c.Kind, kinds)
	}
	return c, nil
}

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Failures []string                   // what differed; empty when the case passed
	Decision *engine.ActivationDecision // for activation cases that were decided
	Err      error                      // the decision could not be made (not an expected input error)
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
	var d any
	switch c.Kind {
	case "activation":
		var a *engine.ActivationDecision
		if a, err = snap.Activation(ctx, body); err == nil {
			res.Decision, d = a, a
		}
	case "account-action":
		d, err = snap.AccountAction(ctx, body)
	case "contact-verification":
		d, err = snap.ContactVerification(ctx, body)
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
	var d any
	switch c.Kind {
	case "activation":
		d = &engine.ActivationDecision{}
	case "account-action":
		d = &engine.AccountActionDecision{}
	case "contact-verification":
		d = &engine.ContactDecision{}
	}
	if err := json.Unmarshal(body, d); err != nil {
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

// decided judges a decision.
func decided(c Case, d any) []string {
	if c.Expect.Error != "" {
		return []string{"a decision was made, expected the input to be refused with " + c.Expect.Error}
	}
	switch d := d.(type) {
	case *engine.ActivationDecision:
		return compare(c.Expect, d)
	case *engine.AccountActionDecision:
		return compareAccount(c.Expect, d)
	case *engine.ContactDecision:
		return compareContact(c.Expect, d)
	}
	return []string{fmt.Sprintf("no comparison for %T", d)}
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

func compareAccount(want Expectation, d *engine.AccountActionDecision) []string {
	var f differ
	if want.Allow != nil && d.Allow != *want.Allow {
		f.diff("allow", d.Allow, *want.Allow)
	}
	if !slices.Equal(d.OpenSteps, nonNil(want.OpenSteps)) {
		f.diff("open_steps (in order)", d.OpenSteps, want.OpenSteps)
	}
	var recs []string
	for _, r := range d.Recommendations {
		recs = append(recs, r.Code)
	}
	f.exact("recommendations", recs, want.Recommendations)
	if want.NextStep != "" && d.NextStep.Code != want.NextStep {
		f.diff("next_step", d.NextStep.Code, want.NextStep)
	}
	return f
}

func compareContact(want Expectation, d *engine.ContactDecision) []string {
	var f differ
	if want.Allow != nil && d.Allow != *want.Allow {
		f.diff("allow", d.Allow, *want.Allow)
	}
	if want.Code != "" && d.Code != want.Code {
		f.diff("code", d.Code, want.Code)
	}
	var reasons []string
	for _, r := range d.Reasons {
		reasons = append(reasons, r.Code)
	}
	f.exact("reasons", reasons, want.Reasons)
	got := map[string]string{"kind": d.Contact.Kind, "e164": d.Contact.E164, "country": d.Contact.Country, "line_type": d.Contact.LineType, "address": d.Contact.Address}
	for k, v := range want.Contact {
		if got[k] != v {
			f.diff("contact."+k, got[k], v)
		}
	}
	if want.CodeLength != nil && d.CodeLength != *want.CodeLength {
		f.diff("code_length", d.CodeLength, *want.CodeLength)
	}
	if want.AttemptsLeft != nil && d.AttemptsLeft != *want.AttemptsLeft {
		f.diff("attempts_left", d.AttemptsLeft, *want.AttemptsLeft)
	}
	if want.ExpiresAt != "" && d.ExpiresAt != want.ExpiresAt {
		f.diff("expires_at", d.ExpiresAt, want.ExpiresAt)
	}
	if want.ResendAt != "" && orNone(d.ResendAllowedAt) != want.ResendAt {
		f.diff("resend_allowed_at", orNone(d.ResendAllowedAt), want.ResendAt)
	}
	gotFallback := ""
	if d.Fallback != nil {
		gotFallback = d.Fallback.Channel
	}
	if gotFallback != want.Fallback {
		f.diff("fallback", orNone(gotFallback), orNone(want.Fallback))
	}
	if want.NextStep != "" && d.NextStep.Code != want.NextStep {
		f.diff("next_step", d.NextStep.Code, want.NextStep)
	}
	return f
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

func compare(want Expectation, d *engine.ActivationDecision) []string {
	var f differ
	if d.Status != want.Status {
		f.diff("status", d.Status, want.Status)
	}
	if want.Allow != nil && d.Allow != *want.Allow {
		f.diff("allow", d.Allow, *want.Allow)
	}
	if d.Allow != (d.Status == engine.StatusActive) {
		f = append(f, fmt.Sprintf("allow is %v under status %s: allow must be true exactly when active", d.Allow, d.Status))
	}
	if want.CanRouteCalls != nil && d.CanRouteCalls != *want.CanRouteCalls {
		f.diff("can_route_calls", d.CanRouteCalls, *want.CanRouteCalls)
	}
	got, review := map[string]string{}, map[string]string{}
	evidence := map[string][]string{}
	for _, r := range d.Requirements {
		if !r.Satisfied {
			got[r.ID] = r.Code
		}
		if r.Review {
			review[r.ID] = r.Code
		}
		evidence[r.ID] = r.Evidence
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
	var violations []string
	for _, v := range d.Violations {
		violations = append(violations, v.Code)
	}
	f.exact("violations", violations, want.Violations)
	if want.NextStep != "" && d.NextStep.Code != want.NextStep {
		f.diff("next_step", d.NextStep.Code, want.NextStep)
	}
	if want.Unavailable != "" && (d.Unavailable == nil || d.Unavailable.Code != want.Unavailable) {
		got := "none"
		if d.Unavailable != nil {
			got = d.Unavailable.Code
		}
		f.diff("unavailable", got, want.Unavailable)
	}
	return f
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
