package engine_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// The property tests generate activation requests for every configured offer — 0 to 6
// documents of any catalogue type and kind or none, issued and expiring in the past, in
// the future or never, duplicated ids, addresses in and out of the country and the
// area, every verification state — and check what must hold for any of them:
//
//   - a schema-valid request is always decided, never an error;
//   - allow exactly when the status is active;
//   - every unsatisfied requirement and every violation has a code, a message and a JSON
//     Pointer into the request (or to where the missing part belongs);
//   - the order of the documents changes nothing;
//   - adding a copy of a document never makes a satisfied requirement unsatisfied;
//   - the query plans decide exactly as OPA's evaluator.
//
// They are seeded (the same inputs on every run) and bounded: -rapid.checks per offer
// (propertyChecks unless given). rapid shrinks a failing input to the smallest it can
// find and the failure prints that request. `make property` explores with a random seed
// and more checks.

const propertyChecks = 12

func TestMain(m *testing.M) {
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["rapid.checks"] {
		_ = flag.Set("rapid.checks", strconv.Itoa(propertyChecks))
	}
	if !set["rapid.seed"] && os.Getenv("RAPID_SEED") == "" {
		_ = flag.Set("rapid.seed", "20261201")
	}
	if !set["rapid.failfile"] {
		_ = flag.Set("rapid.nofailfile", "true") // the failure prints the smallest request
	}
	os.Exit(m.Run())
}

// offerSample is one configured offer with what the decision cases hold for it: real
// numbers of its country and type, and the values people wrote.
type offerSample struct {
	country, numberType, use string
	numbers                  []map[string]any // number objects as the cases send them
	fields                   map[string][]string
	addresses                []map[string]any // addresses of this country
}

func TestActivationProperties(t *testing.T) {
	plan, topdown := loadRepoAs(t, engine.EvaluatorPlan), loadRepoAs(t, engine.EvaluatorTopdown)
	offers, foreign, cat := propertySamples(t, plan)
	for _, o := range offers {
		t.Run(o.country+"/"+o.numberType+"/"+o.use, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				req := genRequest(rt, o, foreign, cat)
				checkProperties(rt, plan, topdown, req)
			})
		})
	}
}

func checkProperties(t *rapid.T, plan, topdown *engine.Snapshot, req map[string]any) {
	ctx := context.Background()
	body := mustJSON(req)
	d, err := activate(ctx, plan, body)
	if err != nil {
		t.Fatalf("a schema-valid request was not decided: %v\nrequest: %s", err, body)
	}
	if d.Allow != (d.Status == engine.StatusActive) {
		t.Fatalf("allow %v under status %s\nrequest: %s", d.Allow, d.Status, body)
	}
	for _, r := range d.Requirements {
		if r.Satisfied {
			continue
		}
		if r.Code == "" || r.Message == "" || !pointsInto(req, r.Pointer) {
			t.Fatalf("requirement %s: code %q, pointer %q, message %q: each must be set and the pointer lead into the request\nrequest: %s", r.ID, r.Code, r.Pointer, r.Message, body)
		}
	}
	if d.Allow != (len(d.Reasons) == 0) {
		t.Fatalf("allow %v with %d reasons: allow exactly when there is no reason\nrequest: %s", d.Allow, len(d.Reasons), body)
	}
	for _, v := range d.Reasons {
		if v.Code == "" || v.Message == "" || !pointsInto(req, v.Pointer) {
			t.Fatalf("reason %+v: code, message and a pointer into the request are required\nrequest: %s", v, body)
		}
	}
	td, err := activate(ctx, topdown, body)
	if err != nil || !reflect.DeepEqual(d, td) {
		t.Fatalf("the plans and OPA's evaluator disagree (err %v)\nplan:    %s\ntopdown: %s\nrequest: %s", err, mustJSON(d), mustJSON(td), body)
	}

	docs := documentsOf(req)
	if len(docs) == 0 {
		return
	}
	// The same documents in another order: the same decision, once each pointer into the
	// documents is read as the document it names.
	perm := rapid.Permutation(docs).Draw(t, "reordered")
	reordered := withDocuments(req, perm)
	rd, err := activate(ctx, plan, mustJSON(reordered))
	if err != nil {
		t.Fatalf("reordered documents: %v", err)
	}
	if a, b := resolveDocPointers(d, docs), resolveDocPointers(rd, perm); a != b {
		t.Fatalf("reordering the documents changed the decision\nbefore: %s\nafter:  %s\nrequest: %s\nreordered: %s", a, b, body, mustJSON(reordered))
	}
	// A copy of a document, with its id or a new one, never takes anything away.
	k := rapid.IntRange(0, len(docs)-1).Draw(t, "copied")
	cp := maps(docs[k])
	if rapid.Bool().Draw(t, "copy with a new id") {
		cp["id"] = "copy-of-" + fmt.Sprint(cp["id"])
	}
	cd, err := activate(ctx, plan, mustJSON(withDocuments(req, append(slices.Clone(docs), cp))))
	if err != nil {
		t.Fatalf("with a copied document: %v", err)
	}
	for i, r := range d.Requirements {
		if r.Satisfied && !cd.Requirements[i].Satisfied {
			t.Fatalf("adding a copy of document %d made %s unsatisfied (%s)\nrequest: %s", k, r.ID, cd.Requirements[i].Code, body)
		}
	}
}

// genRequest draws an activation request for an offer.
func genRequest(t *rapid.T, o offerSample, foreign []map[string]any, cat catalogue) map[string]any {
	number := maps(rapid.SampledFrom(o.numbers).Draw(t, "number"))
	identity := map[string]any{"use": o.use}
	fields := map[string]any{}
	for _, name := range sortedKeys(o.fields) {
		values := append(slices.Clone(o.fields[name]), "", " ", "x", strings.Repeat("9", 70))
		if rapid.Bool().Draw(t, "has "+name) {
			fields[name] = rapid.SampledFrom(values).Draw(t, name)
		}
	}
	if len(fields) > 0 {
		identity["fields"] = fields
	}
	switch rapid.IntRange(0, 4).Draw(t, "address") {
	case 1, 2: // as written in the country's cases
		if len(o.addresses) > 0 {
			identity["address"] = maps(rapid.SampledFrom(o.addresses).Draw(t, "home address"))
		}
	case 3: // elsewhere
		identity["address"] = maps(rapid.SampledFrom(foreign).Draw(t, "foreign address"))
	case 4: // in the country, in some other place, or incomplete
		a := map[string]any{"country": o.country}
		for _, part := range []string{"street", "city", "postal_code", "region"} {
			if rapid.Bool().Draw(t, "has "+part) {
				a[part] = rapid.SampledFrom([]string{"Elsewhere", "1", "Neustadt an der Weinstraße", "東京都港区", " "}).Draw(t, part)
			}
		}
		identity["address"] = a
	}
	n := rapid.IntRange(0, 6).Draw(t, "documents")
	var docs []any
	for i := range n {
		d := map[string]any{
			"id":   rapid.SampledFrom([]string{"d1", "d2", "d3", "d4"}).Draw(t, fmt.Sprintf("doc %d id", i)),
			"type": rapid.SampledFrom(cat.types).Draw(t, fmt.Sprintf("doc %d type", i)),
		}
		if kind := rapid.SampledFrom(append([]string{""}, cat.kinds...)).Draw(t, fmt.Sprintf("doc %d kind", i)); kind != "" {
			d["kind"] = kind
		}
		dates := []string{"", "2001-02-03", "2025-06-30", "2026-09-15", "2026-11-30", "2026-12-02", "2031-01-01"}
		if day := rapid.SampledFrom(dates).Draw(t, fmt.Sprintf("doc %d issued", i)); day != "" {
			d["issued_on"] = day
		}
		if day := rapid.SampledFrom(dates).Draw(t, fmt.Sprintf("doc %d expires", i)); day != "" {
			d["expires_on"] = day
		}
		docs = append(docs, d)
	}
	if docs != nil {
		identity["documents"] = docs
	}
	if status := rapid.SampledFrom([]string{"", "not_started", "pending", "verified", "failed"}).Draw(t, "verification"); status != "" {
		v := map[string]any{"status": status}
		if rapid.Bool().Draw(t, "case id") {
			v["case_id"] = "case-1"
		}
		if rapid.Bool().Draw(t, "reason") {
			v["reason"] = "the scan is unreadable"
		}
		identity["verification"] = v
	}
	return map[string]any{
		"number":   number,
		"identity": identity,
		"account": map[string]any{
			"active_numbers_on_identity": rapid.IntRange(0, 2).Draw(t, "active numbers"),
			"commercial_use":             rapid.Bool().Draw(t, "commercial use"),
		},
		"at": "2026-12-01T12:00:00Z",
	}
}

type catalogue struct{ kinds, types []string }

// propertySamples gathers every configured offer with the numbers, field values and
// addresses of the decision cases, which hold real numbers and addresses as their
// country's people write them; foreign are addresses of other countries.
func propertySamples(t *testing.T, snap *engine.Snapshot) ([]offerSample, []map[string]any, catalogue) {
	t.Helper()
	all, err := cases.Load(os.DirFS("../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	numbers := map[string][]map[string]any{} // "DE local" -> numbers
	fields := map[string]map[string][]string{}
	addresses := map[string][]map[string]any{}
	var foreign []map[string]any
	for _, c := range all {
		if c.Kind != "" && c.Kind != "activation" || c.Expect.Error != "" {
			continue
		}
		in := cases.JSONValue(c.Input).(map[string]any)
		num, _ := in["number"].(map[string]any)
		id, _ := in["identity"].(map[string]any)
		country, _ := num["country"].(string)
		d, err := activate(context.Background(), snap, mustJSON(in))
		if err != nil || num == nil || id == nil {
			continue
		}
		if country == "" {
			country = d.Country
		}
		key := d.Country + " " + d.NumberType
		delete(num, "area_code")
		numbers[key] = append(numbers[key], num)
		if fields[d.Country] == nil {
			fields[d.Country] = map[string][]string{}
		}
		for name, v := range asObject(id["fields"]) {
			if s, ok := v.(string); ok && !slices.Contains(fields[d.Country][name], s) {
				fields[d.Country][name] = append(fields[d.Country][name], s)
			}
		}
		if a := asObject(id["address"]); a != nil {
			if c, _ := a["country"].(string); strings.EqualFold(c, d.Country) {
				addresses[d.Country] = append(addresses[d.Country], a)
			} else {
				foreign = append(foreign, a)
			}
		}
	}
	var offers []offerSample
	for _, c := range snap.Countries() {
		for _, nt := range sortedKeys(c.Numbers) {
			for _, use := range sortedKeys(c.Numbers[nt]) {
				nums := numbers[c.Country+" "+nt]
				if len(nums) == 0 {
					t.Errorf("%s %s %s: no decision case gives a number to generate requests with", c.Country, nt, use)
					continue
				}
				offers = append(offers, offerSample{country: c.Country, numberType: nt, use: use,
					numbers: nums, fields: fields[c.Country], addresses: addresses[c.Country]})
			}
		}
	}
	data, err := snap.Data(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cat := asObject(data["catalog"])
	return offers, foreign, catalogue{kinds: sortedKeys(asObject(cat["document_kinds"])), types: sortedKeys(asObject(cat["document_types"]))}
}

var docPointer = regexp.MustCompile(`^/identity/documents/(\d+)(/.*)?$`)

// resolveDocPointers renders a decision with each pointer into the documents replaced
// by the document it names, so that two orders of the same documents compare equal.
func resolveDocPointers(d *engine.ActivationDecision, docs []any) string {
	var v any
	if err := json.Unmarshal(mustJSON(d), &v); err != nil {
		panic(err)
	}
	var walk func(any) any
	walk = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			if m := docPointer.FindStringSubmatch(x); m != nil {
				i, _ := strconv.Atoi(m[1])
				if i < len(docs) {
					return "document " + string(mustJSON(docs[i])) + m[2]
				}
			}
		}
		return x
	}
	return string(mustJSON(walk(v)))
}

// pointsInto says whether a JSON Pointer leads into the request, or to where a missing
// part belongs: the pointer or one of its two nearest ancestors exists.
func pointsInto(req map[string]any, ptr string) bool {
	if !strings.HasPrefix(ptr, "/") {
		return false
	}
	segs := strings.Split(ptr[1:], "/")
	for drop := 0; drop <= 2 && drop <= len(segs); drop++ {
		if resolves(req, segs[:len(segs)-drop]) {
			return true
		}
	}
	return false
}

func resolves(v any, segs []string) bool {
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[s]; !ok {
				return false
			}
		case []any:
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(x) {
				return false
			}
			v = x[i]
		default:
			return false
		}
	}
	return true
}

func documentsOf(req map[string]any) []any {
	docs, _ := asObject(req["identity"])["documents"].([]any)
	return docs
}

func withDocuments(req map[string]any, docs []any) map[string]any {
	out := maps(req)
	id := maps(asObject(req["identity"]))
	id["documents"] = docs
	out["identity"] = id
	return out
}

// maps copies an object one level deep.
func maps(v any) map[string]any {
	out := map[string]any{}
	for k, e := range asObject(v) {
		out[k] = e
	}
	return out
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
