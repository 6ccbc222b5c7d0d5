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

// Expectation is what the decision must say. Unset fields are not checked, except that
// unsatisfied and violations, when the status is given, must match exactly: a case
// that expects "incomplete" names every requirement left open.
type Expectation struct {
	Status        string            `yaml:"status"`
	Allow         *bool             `yaml:"allow"`
	CanRouteCalls *bool             `yaml:"can_route_calls"`
	Unsatisfied   map[string]string `yaml:"unsatisfied"` // requirement id -> code
	Violations    []string          `yaml:"violations"`  // violation codes
	NextStep      string            `yaml:"next_step"`
	Unavailable   string            `yaml:"unavailable"` // reason code when not_available
	Error         string            `yaml:"error"`       // problem code of a refused input
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
	if c.Expect.Status == "" && c.Expect.Error == "" {
		missing = append(missing, "expect.status or expect.error")
	}
	if len(missing) > 0 {
		return Case{}, fmt.Errorf("%s: missing %s", p, strings.Join(missing, ", "))
	}
	if c.Kind == "" {
		c.Kind = "activation"
	}
	if c.Kind != "activation" {
		return Case{}, fmt.Errorf("%s: kind %q is not supported, expected activation", p, c.Kind)
	}
	return c, nil
}

// Result is the outcome of one case.
type Result struct {
	Case     Case
	Failures []string // what differed; empty when the case passed
	Decision *engine.ActivationDecision
	Err      error // the decision could not be made (not an expected input error)
	Duration time.Duration
}

// Passed says whether the decision matched every expectation.
func (r Result) Passed() bool { return r.Err == nil && len(r.Failures) == 0 }

// Run makes the case's decision on snap and compares it with the expectation.
func Run(ctx context.Context, snap *engine.Snapshot, c Case) Result {
	start := time.Now()
	res := Result{Case: c}
	input := jsonValue(c.Input).(map[string]any)
	if _, ok := input["at"]; !ok {
		input["at"] = c.Now
	}
	body, err := json.Marshal(input)
	if err != nil {
		res.Err = err
		return res
	}
	d, err := snap.Activation(ctx, body)
	res.Duration = time.Since(start)
	var ie *engine.InputError
	switch {
	case errors.As(err, &ie):
		codes := make([]string, len(ie.Problems))
		for i, p := range ie.Problems {
			codes[i] = p.Code
		}
		if c.Expect.Error == "" {
			res.Failures = append(res.Failures, fmt.Sprintf("the input was refused (%v), expected a decision", ie))
		} else if !slices.Contains(codes, c.Expect.Error) {
			res.Failures = append(res.Failures, fmt.Sprintf("input refused with %v, expected %s", codes, c.Expect.Error))
		}
		return res
	case err != nil:
		res.Err = err
		return res
	}
	res.Decision = d
	res.Failures = compare(c.Expect, d)
	return res
}

func compare(want Expectation, d *engine.ActivationDecision) []string {
	var f []string
	diff := func(what string, got, want any) {
		f = append(f, fmt.Sprintf("%s: got %v, want %v", what, got, want))
	}
	if want.Error != "" {
		return []string{fmt.Sprintf("got a %s decision, expected the input to be refused with %s", d.Status, want.Error)}
	}
	if d.Status != want.Status {
		diff("status", d.Status, want.Status)
	}
	if want.Allow != nil && d.Allow != *want.Allow {
		diff("allow", d.Allow, *want.Allow)
	}
	if d.Allow != (d.Status == engine.StatusActive) {
		f = append(f, fmt.Sprintf("allow is %v under status %s: allow must be true exactly when active", d.Allow, d.Status))
	}
	if want.CanRouteCalls != nil && d.CanRouteCalls != *want.CanRouteCalls {
		diff("can_route_calls", d.CanRouteCalls, *want.CanRouteCalls)
	}
	got := map[string]string{}
	for _, r := range d.Requirements {
		if !r.Satisfied {
			got[r.ID] = r.Code
		}
	}
	if want.Unsatisfied == nil {
		want.Unsatisfied = map[string]string{}
	}
	for _, id := range sortedUnion(got, want.Unsatisfied) {
		if got[id] != want.Unsatisfied[id] {
			diff("requirement "+id, orOK(got[id]), orOK(want.Unsatisfied[id]))
		}
	}
	var gotV []string
	for _, v := range d.Violations {
		gotV = append(gotV, v.Code)
	}
	slices.Sort(gotV)
	wantV := slices.Sorted(slices.Values(want.Violations))
	if !slices.Equal(gotV, wantV) {
		diff("violations", gotV, wantV)
	}
	if want.NextStep != "" && d.NextStep.Code != want.NextStep {
		diff("next_step", d.NextStep.Code, want.NextStep)
	}
	if want.Unavailable != "" && (d.Unavailable == nil || d.Unavailable.Code != want.Unavailable) {
		got := "none"
		if d.Unavailable != nil {
			got = d.Unavailable.Code
		}
		diff("unavailable", got, want.Unavailable)
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

// jsonValue turns YAML's decoded values into JSON's: dates and times, which YAML reads
// as timestamps, back into the strings the API takes.
func jsonValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonValue(e)
		}
	case []any:
		for i, e := range x {
			x[i] = jsonValue(e)
		}
	case time.Time:
		if x.Equal(x.Truncate(24 * time.Hour)) {
			return x.Format(time.DateOnly)
		}
		return x.Format(time.RFC3339)
	}
	return v
}
