package engine

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// referenceMask is MaskForLog done the plain way: decode each document, walk it, and
// decide every value by the masks that end at it (the most restrictive wins) or at an
// enclosing value, then encode again. MaskForLog must mask exactly as it does (compared
// as decoded JSON: key order and escaping may differ).
func referenceMask(ops []*maskOp, request, result []byte) (Masked, error) {
	var mk Masked
	for _, d := range []struct {
		name string
		raw  []byte
		out  *json.RawMessage
	}{{"request", request, &mk.Request}, {"result", result, &mk.Result}} {
		dec := json.NewDecoder(bytes.NewReader(d.raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return Masked{}, err
		}
		masked, removed := referenceWalk(v, []string{d.name}, false, ops, false)
		if removed {
			masked = nil
		}
		raw, err := json.Marshal(masked)
		if err != nil {
			return Masked{}, err
		}
		*d.out = raw
	}
	return mk, nil
}

// referenceWalk masks v at path; kept says an enclosing value was kept; inArray says v
// is an array element (which remove masks rather than drops).
func referenceWalk(v any, path []string, kept bool, ops []*maskOp, inArray bool) (any, bool) {
	var ending string
	for _, o := range ops {
		if len(o.path) == len(path) && referenceMatch(o.path, path) && (ending == "" || restriction[o.op] > restriction[ending]) {
			ending = o.op
		}
	}
	switch ending {
	case "remove":
		if !inArray {
			return nil, true
		}
		return "[masked]", false
	case "last_digits":
		if s, ok := v.(string); ok {
			return lastDigits(s), false
		}
		return "[masked]", false
	case "keep":
		kept = true
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if m, removed := referenceWalk(e, append(slices.Clone(path), k), kept, ops, false); !removed {
				out[k] = m
			}
		}
		return out, false
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i], _ = referenceWalk(e, append(slices.Clone(path), strconv.Itoa(i)), kept, ops, true)
		}
		return out, false
	case nil:
		return nil, false
	}
	if kept {
		return v, false
	}
	return "[masked]", false
}

func referenceMatch(mask, path []string) bool {
	for i := range mask {
		if mask[i] != "*" && mask[i] != path[i] {
			return false
		}
	}
	return true
}

func decoded(t *testing.T, raw []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, raw)
	}
	return v
}

// parseMasks reads "op path; op path" into mask ops as loadMasks builds them.
func parseMasks(spec string) []*maskOp {
	var ops []*maskOp
	for _, entry := range strings.Split(spec, ";") {
		op, path, ok := strings.Cut(strings.TrimSpace(entry), " ")
		if _, known := restriction[op]; ok && strings.HasPrefix(path, "/") && known {
			ops = append(ops, newMaskOp(op, path))
		}
	}
	return ops
}

func FuzzMask(f *testing.F) {
	f.Add("keep /request/identity/fields/company_name; last_digits /request/number/e164; keep /result/requirements/*/id",
		[]byte(`{"number":{"e164":"+4930901820"},"identity":{"fields":{"first_name":"Ada","x":1}}}`),
		[]byte(` {"requirements": [ {"id":"a","message":"m1"}, {"id":"b","message":"m2","evidence":["d1"]} ], "ok": true} `))
	f.Add("remove /request/a; remove /result/0; keep /request/b/*/c; last_digits /result/1",
		[]byte(`{"a":1,"b":[{"c":"x"},{"d":2},{"c":{"e":[1,2]}}],"z":"\u00e9<>&"}`), []byte(`["keep",  "tel. +49 30 901820", 3]`))
	f.Add("keep /request; remove /result", []byte(`{"a":1,"n":null}`), []byte(`{"b":2}`))
	f.Add("keep /*/a~1b/~0; remove /request/a~1b", []byte(`{"a/b":{"~":"s","t":1}}`), []byte(`{"a/b":{"~":[]}}`))
	f.Add("last_digits /request/p; keep /request/p; keep /request/q; last_digits /request/q/r", []byte(`{"p":"555-0123","q":{"r":"+44 7400 123456","s":true}}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, spec string, request, result []byte) {
		if !json.Valid(request) || !json.Valid(result) {
			return
		}
		ops := parseMasks(spec)
		s := &Snapshot{masks: map[Kind][]*maskOp{"k": ops}}
		got, err := s.MaskForLog("k", request, result)
		if err != nil {
			t.Fatal(err)
		}
		want, err := referenceMask(ops, request, result)
		if err != nil {
			return // a document the reference cannot decode (e.g. a number beyond float64)
		}
		for _, pair := range [][2][]byte{{got.Request, want.Request}, {got.Result, want.Result}} {
			if !reflect.DeepEqual(decoded(t, pair[0]), decoded(t, pair[1])) {
				t.Fatalf("masks %q:\ngot  %s\nwant %s", spec, pair[0], pair[1])
			}
		}
	})
}

func BenchmarkMaskForLog(b *testing.B) {
	s, err := Load(b.Context(), Config{
		Countries: Tree{FS: os.DirFS("../countries"), Name: "countries"},
		Policies:  Tree{FS: os.DirFS("../policies"), Name: "policies"},
	})
	if err != nil {
		b.Fatal(err)
	}
	req := []byte(`{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business","fields":{"company_name":"Analytical GmbH","first_name":"Ada"},"address":{"street":"Friedrichstr. 1","city":"Berlin","postal_code":"10117","country":"DE"},"documents":[{"id":"d1","kind":"proof_of_address","type":"utility_bill","issued_on":"2026-09-01"}]}}`)
	d, err := s.Decide(b.Context(), KindActivation, req)
	if err != nil {
		b.Fatal(err)
	}
	answer, _ := json.Marshal(d)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.MaskForLog("activation", req, answer); err != nil {
			b.Fatal(err)
		}
	}
}
