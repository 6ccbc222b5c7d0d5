package engine

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// referenceMask is MaskForLog as it was before the one-pass copy: decode each document,
// apply each mask in turn to the decoded value, encode again. MaskForLog must mask
// exactly as it does (compared as decoded JSON: key order and escaping may differ).
func referenceMask(ops []*maskOp, request, result []byte) (Masked, error) {
	doc := map[string]any{}
	for name, raw := range map[string][]byte{"request": request, "result": result} {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return Masked{}, err
		}
		doc[name] = v
	}
	for _, o := range ops {
		referenceApply(doc, o.path, o.op)
	}
	var mk Masked
	var err error
	if mk.Request, err = json.Marshal(doc["request"]); err != nil {
		return Masked{}, err
	}
	mk.Result, err = json.Marshal(doc["result"])
	return mk, err
}

func referenceApply(node any, path []string, op string) {
	if len(path) == 0 {
		return
	}
	seg, last := path[0], len(path) == 1
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			if seg != "*" && k != seg {
				continue
			}
			switch {
			case !last:
				referenceApply(v, path[1:], op)
			case op == "remove":
				delete(n, k)
			default:
				n[k] = referenceValue(v, op)
			}
		}
	case []any:
		for i, v := range n {
			if seg != "*" && strconv.Itoa(i) != seg {
				continue
			}
			if last {
				n[i] = referenceValue(v, op)
			} else {
				referenceApply(v, path[1:], op)
			}
		}
	}
}

func referenceValue(v any, op string) any {
	if s, ok := v.(string); ok && op == "last_digits" {
		return lastDigits(s)
	}
	return "[masked]"
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
		if ok && strings.HasPrefix(path, "/") && (op == "redact" || op == "remove" || op == "last_digits") {
			ops = append(ops, newMaskOp(op, path))
		}
	}
	return ops
}

func FuzzMask(f *testing.F) {
	f.Add("redact /request/identity/fields/first_name; last_digits /request/number/e164; redact /result/requirements/*/message",
		[]byte(`{"number":{"e164":"+4930901820"},"identity":{"fields":{"first_name":"Ada","x":1}}}`),
		[]byte(` {"requirements": [ {"id":"a","message":"m1"}, {"id":"b","message":"m2","evidence":["d1"]} ], "ok": true} `))
	f.Add("remove /request/a; remove /result/0; redact /request/b/*/c; last_digits /result/1",
		[]byte(`{"a":1,"b":[{"c":"x"},{"d":2},{"c":{"e":[1,2]}}],"z":"\u00e9<>&"}`), []byte(`["keep",  "tel. +49 30 901820", 3]`))
	f.Add("redact /request; remove /result", []byte(`{"a":1}`), []byte(`{"b":2}`))
	f.Add("redact /*/a~1b/~0; remove /request/a~1b", []byte(`{"a/b":{"~":"s","t":1}}`), []byte(`{"a/b":{"~":[]}}`))
	f.Add("last_digits /request/p; redact /request/p; remove /request/q; redact /request/q/r", []byte(`{"p":"555-0123","q":{"r":1}}`), []byte(`{}`))
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
