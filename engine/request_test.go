package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/numgate/numgate/internal/badinput"
)

// referenceDecode is decodeJSON as it was before its fast path: the token walk on every
// body, then the decoder. decodeJSON must answer exactly as it does.
func referenceDecode(body []byte) (any, error) {
	body, err := utf8Text(body)
	if err != nil {
		return nil, err
	}
	if err := checkJSONShape(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalid(Problem{Code: "malformed_json", Message: jsonErrorText(err, body)})
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid(Problem{Code: "malformed_json", Message: fmt.Sprintf("unexpected data after the JSON value at byte %d; send exactly one JSON object", dec.InputOffset())})
	}
	return v, nil
}

var decodeSeeds = []string{
	`{"a": 1, "b": {"c": [1, 2, {"d": "x"}]}}`,
	`{"a": 1, "a": 2}`,
	`{"a": {"b": 1, "b": 2}}`,
	`[{"k": 1}, {"k": 1, "k": 2}]`,
	`{"a:": "b", "c\":": ":", "\"": {"\\": 1}}`,
	`{"a" : 1 , "b"	:2}`,
	`{"x": "` + strings.Repeat(`\"`, 10) + `"}`,
	strings.Repeat("[", 32) + strings.Repeat("]", 32),
	strings.Repeat("[", 33) + strings.Repeat("]", 33),
	`{"a": 1, "a": 2`,
	`{"a": 1} {"b": 2, "b": 3}`,
	`{"a": 1, "a": 2} {}`,
	`{"a": [` + strings.Repeat(`{"b": [`, 20) + `1` + strings.Repeat(`]}`, 20) + `]}`,
	``, `   `, `{`, `{"a"}`, `nul`, `"just a string"`, `12.50e3`,
	`{"é": 1, "\u00e9": 2}`,
	`{"a": -0.5e-3, "b": [true, false, null, {}, []], "c": "ü", "d": 0}`,
	`{"a": 01}`, `{"a": 1e}`, `{"a": -}`, `{"a": 1.}`, `{"a": tru}`, "{\"a\": \"\x01\"}", "{\"a\": \"\xc3\"}",
}

func checkSameDecode(t *testing.T, body []byte) {
	t.Helper()
	got, gerr := decodeJSON(body)
	want, werr := referenceDecode(body)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("body %q: error %v, the reference gives %v", body, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q: value %#v, the reference gives %#v", body, got, want)
	}
}

// TestDecodeJSONText: a byte-order mark is ignored; bytes that are not UTF-8 are refused
// with where they are, not read as replacement characters.
func TestDecodeJSONText(t *testing.T) {
	if v, err := decodeJSON([]byte("\ufeff{\"a\": 1}")); err != nil || fmt.Sprint(v) != "map[a:1]" {
		t.Errorf("with a BOM: %v, %v", v, err)
	}
	for body, at := range map[string]string{"{\"a\": \"x\xff\xfe\"}": "offset 8", "\xc3": "offset 0", "{\"é\": \"\xe9\"}": "offset 8"} {
		_, err := decodeJSON([]byte(body))
		if err == nil || !strings.Contains(err.Error(), "not UTF-8") || !strings.Contains(err.Error(), at) {
			t.Errorf("%q: %v, want a refusal at %s", body, err, at)
		}
	}
}

// decodeJSON answers as the reference on every seed and on the hostile request corpus.
func TestDecodeJSONSameAsReference(t *testing.T) {
	for _, s := range decodeSeeds {
		checkSameDecode(t, []byte(s))
	}
	requests, err := badinput.Load("../testdata/badinput/requests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range requests {
		body, err := r.BodyBytes()
		if err != nil {
			t.Fatal(err)
		}
		checkSameDecode(t, body)
	}
	if len(requests) < 50 {
		t.Errorf("%d requests read from the hostile corpus; its shape moved?", len(requests))
	}
}

// Requests as clients send them (every decision case's) take the fast path.
func TestDecodeJSONFastPath(t *testing.T) {
	bodies := append([]string{deLocalBusinessBody}, `{"a": [1, -2.5e3, true, false, null, {}, []], "é": "ünïcode"}`)
	for _, b := range bodies {
		if _, ok := fastDecode([]byte(b)); !ok {
			t.Errorf("%s: not read by the fast path", b)
		}
	}
	for _, b := range []string{`{"a": 1, "a": 2}`, `{"a": "\n"}`, `{"a": 01}`, `{"a": 1} x`, "{\"a\": \"\xff\"}", strings.Repeat("[", 33) + strings.Repeat("]", 33)} {
		if _, ok := fastDecode([]byte(b)); ok {
			t.Errorf("%q: read by the fast path, which leaves it to the full one", b)
		}
	}
}

const deLocalBusinessBody = `{"number": {"e164": "+4930901820", "type": "local"}, "identity": {"use": "business",
  "fields": {"company_name": "Analytical GmbH"}, "address": {"street": "Friedrichstr. 1", "city": "Berlin", "postal_code": "10117", "country": "DE"},
  "documents": [{"id": "d1", "kind": "proof_of_address", "type": "utility_bill", "issued_on": "2026-09-01"}], "verification": {"status": "not_started"}},
  "account": {"active_numbers_on_identity": 0, "commercial_use": true}}`

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkSameDecode(t, body) })
}
