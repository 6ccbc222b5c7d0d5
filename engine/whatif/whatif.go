// Package whatif answers compliance staff's questions before a change ships: which
// decisions of a corpus (the decision cases, an export of the decision log, a file of
// approved identities) a policy change flips, and which approved identities no longer
// meet what a country demands, with what each must now provide.
package whatif

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"
	"sort"

	"github.com/nyaruka/phonenumbers"
	"gopkg.in/yaml.v3"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// Item is one activation request of a corpus.
type Item struct {
	Source string          `json:"source"` // where it came from: a case file, a log line, a dossier id
	Body   json.RawMessage `json:"request"`
}

// FromCases takes the activation decision cases under root (those the engine decides).
func FromCases(fsys fs.FS, root string) ([]Item, error) {
	all, err := cases.Load(fsys, root)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, c := range all {
		if c.Kind != "activation" || c.Expect.Error != "" {
			continue
		}
		b, err := c.Body()
		if err != nil {
			return nil, err
		}
		out = append(out, Item{Source: c.File, Body: b})
	}
	return out, nil
}

// FromDecisionLog takes the activation records of a `numgate decisions export` file.
// The log masks the number's digits, so each request is replayed with libphonenumber's
// example number of the record's country and number type: what the country demands of
// the type and use is compared; a local-area check, which needs the real number, is not.
func FromDecisionLog(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Item
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			ID     string         `json:"decision_id"`
			Kind   string         `json:"kind"`
			Input  map[string]any `json:"input"`
			Result struct {
				Country    string `json:"country"`
				NumberType string `json:"number_type"`
			} `json:"result"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: not a decision record: %v", path, line, err)
		}
		if rec.Kind != "activation" || rec.Input == nil {
			continue
		}
		number, _ := rec.Input["number"].(map[string]any)
		example := ExampleNumber(rec.Result.Country, rec.Result.NumberType)
		if number == nil || example == "" {
			continue
		}
		number["e164"] = example
		delete(number, "area_code")
		body, _ := json.Marshal(rec.Input)
		out = append(out, Item{Source: fmt.Sprintf("%s:%d (%s)", path, line, rec.ID), Body: body})
	}
	return out, sc.Err()
}

var numberTypes = map[string][]phonenumbers.PhoneNumberType{
	"local":     {phonenumbers.FIXED_LINE, phonenumbers.FIXED_LINE_OR_MOBILE},
	"national":  {phonenumbers.VOIP, phonenumbers.UAN, phonenumbers.FIXED_LINE},
	"mobile":    {phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE},
	"toll_free": {phonenumbers.TOLL_FREE},
}

// ExampleNumber is libphonenumber's example number of a country and number type, in
// E.164, or "" when it has none.
func ExampleNumber(country, numberType string) string {
	for _, t := range numberTypes[numberType] {
		if p := phonenumbers.GetExampleNumberForType(country, t); p != nil {
			return phonenumbers.Format(p, phonenumbers.E164)
		}
	}
	return ""
}

// FromDossiers reads a dossier file of identities a provider approved, each an id and
// the activation request it was approved with (YAML or JSON): {"dossiers": [{"id": ..., "number":
// ..., "identity": ..., "account": ...}]}.
func FromDossiers(path string) ([]Item, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Dossiers []map[string]any `yaml:"dossiers"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, fmt.Errorf("%s: %w (expected dossiers: [{id, number, identity, account}])", path, err)
	}
	var out []Item
	for i, d := range file.Dossiers {
		id, _ := d["id"].(string)
		if id == "" {
			return nil, fmt.Errorf("%s: dossier %d has no id", path, i+1)
		}
		delete(d, "id")
		body, err := json.Marshal(cases.JSONValue(d))
		if err != nil {
			return nil, fmt.Errorf("%s: dossier %s: %w", path, id, err)
		}
		out = append(out, Item{Source: id, Body: body})
	}
	return out, nil
}

// Outcome is what a decision said, in the terms a change is judged by.
type Outcome struct {
	Status      string            `json:"status,omitempty"`
	Allow       bool              `json:"allow"`
	Unsatisfied map[string]string `json:"unsatisfied,omitempty"` // requirement id -> code
	Messages    map[string]string `json:"-"`                     // requirement id -> what to do
	Reasons     []string          `json:"reasons,omitempty"`
	Error       string            `json:"error,omitempty"` // the input was refused
	Country     string            `json:"country,omitempty"`
	NumberType  string            `json:"number_type,omitempty"`
	Use         string            `json:"use,omitempty"`
}

func decide(ctx context.Context, snap *engine.Snapshot, body []byte) Outcome {
	decision, err := snap.Decide(ctx, engine.KindActivation, body)
	var ie *engine.InputError
	switch {
	case errors.As(err, &ie):
		return Outcome{Error: ie.Problems[0].Code}
	case err != nil:
		return Outcome{Error: err.Error()}
	}
	d := decision.(*engine.ActivationDecision)
	o := Outcome{Status: d.Status, Allow: d.Allow, Country: d.Country, NumberType: d.NumberType, Use: d.Use,
		Unsatisfied: map[string]string{}, Messages: map[string]string{}}
	for _, r := range d.Requirements {
		if !r.Satisfied {
			o.Unsatisfied[r.ID], o.Messages[r.ID] = r.Code, r.Message
		}
	}
	// The reasons beyond the open requirements: product rules, the address scope, the
	// identity's verification, the offer's absence.
	fromRequirements := map[engine.Reason]bool{}
	for _, r := range d.Requirements {
		if !r.Satisfied {
			fromRequirements[engine.Reason{Code: r.Code, Pointer: r.Pointer, Message: r.Message}] = true
		}
	}
	for _, r := range d.Reasons {
		if !fromRequirements[r] {
			o.Reasons = append(o.Reasons, r.Code)
		}
	}
	return o
}

func (o Outcome) same(p Outcome) bool {
	return o.Status == p.Status && o.Allow == p.Allow && o.Error == p.Error &&
		maps.Equal(o.Unsatisfied, p.Unsatisfied) && slices.Equal(o.Reasons, p.Reasons)
}

// Change is a decision that differs between the base and the head policy.
type Change struct {
	Source      string   `json:"source"`
	Old         Outcome  `json:"old"`
	New         Outcome  `json:"new"`
	Appeared    []string `json:"requirements_appeared,omitempty"`    // newly unsatisfied
	Disappeared []string `json:"requirements_disappeared,omitempty"` // no longer unsatisfied
}

// Group summarises a corpus per country, number type and use.
type Group struct {
	Country    string `json:"country"`
	NumberType string `json:"number_type"`
	Use        string `json:"use"`
	Decisions  int    `json:"decisions"`
	Changed    int    `json:"changed"`
}

// Report is the outcome of a diff.
type Report struct {
	Decisions int      `json:"decisions"`
	Changed   []Change `json:"changed"`
	Groups    []Group  `json:"groups"`
}

// Times say when the base and the head decide: empty keeps each request's own "at" (or
// now); an RFC 3339 time decides every request as of then, to preview a dated change.
type Times struct{ Base, Head string }

// Diff decides every item on both snapshots and reports what changed. progress, if
// given, is told how far it has got.
func Diff(ctx context.Context, base, head *engine.Snapshot, items []Item, at Times, progress func(done, total int)) Report {
	rep := Report{Decisions: len(items), Changed: []Change{}}
	groups := map[[3]string]*Group{}
	for i, it := range items {
		o, n := decide(ctx, base, withTime(it.Body, at.Base)), decide(ctx, head, withTime(it.Body, at.Head))
		key := [3]string{n.Country, n.NumberType, n.Use}
		if n.Error != "" {
			key = [3]string{o.Country, o.NumberType, o.Use}
		}
		g := groups[key]
		if g == nil {
			g = &Group{Country: key[0], NumberType: key[1], Use: key[2]}
			groups[key] = g
		}
		g.Decisions++
		if !o.same(n) {
			g.Changed++
			c := Change{Source: it.Source, Old: o, New: n}
			for id := range n.Unsatisfied {
				if _, was := o.Unsatisfied[id]; !was {
					c.Appeared = append(c.Appeared, id)
				}
			}
			for id := range o.Unsatisfied {
				if _, is := n.Unsatisfied[id]; !is {
					c.Disappeared = append(c.Disappeared, id)
				}
			}
			sort.Strings(c.Appeared)
			sort.Strings(c.Disappeared)
			rep.Changed = append(rep.Changed, c)
		}
		if progress != nil {
			progress(i+1, len(items))
		}
	}
	for _, g := range groups {
		rep.Groups = append(rep.Groups, *g)
	}
	sort.Slice(rep.Groups, func(i, j int) bool {
		a, b := rep.Groups[i], rep.Groups[j]
		return a.Country+a.NumberType+a.Use < b.Country+b.NumberType+b.Use
	})
	return rep
}

// withTime sets a request's decision time.
func withTime(body []byte, at string) []byte {
	if at == "" {
		return body
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	m["at"] = at
	b, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return b
}

// Affected is an approved identity the policy no longer lets activate.
type Affected struct {
	Dossier    string            `json:"dossier"`
	Country    string            `json:"country"`
	NumberType string            `json:"number_type"`
	Use        string            `json:"use"`
	Status     string            `json:"status"`
	MustNow    map[string]string `json:"must_now_provide"` // requirement id -> what to do
	Reasons    []string          `json:"reasons,omitempty"`
	Error      string            `json:"error,omitempty"`
}

// Impact lists the dossiers the snapshot no longer lets activate, grouped by country,
// with what each must now provide ("information update required").
func Impact(ctx context.Context, snap *engine.Snapshot, dossiers []Item, at string) map[string][]Affected {
	out := map[string][]Affected{}
	for _, d := range dossiers {
		o := decide(ctx, snap, withTime(d.Body, at))
		if o.Allow {
			continue
		}
		a := Affected{Dossier: d.Source, Country: o.Country, NumberType: o.NumberType, Use: o.Use, Status: o.Status,
			MustNow: o.Messages, Reasons: o.Reasons, Error: o.Error}
		out[a.Country] = append(out[a.Country], a)
	}
	return out
}
