package server

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/numgate/numgate/engine"
)

// TestNoPersonalDataReachesTheLogs: for every decision kind a request is generated from
// its JSON Schema in which every free-text string — every one a caller could fill with
// a name, an address or a note, and names the schema lets a caller invent (account
// details) — carries a unique marker. It is decided through the server with the
// decision log on. No marker may appear in the server's log, and in the decision log
// only at a path the masking policy's allow-list keeps (policies/log_mask.rego).
func TestNoPersonalDataReachesTheLogs(t *testing.T) {
	ts := newTestServer(t)
	withDecisionLog(t, ts)
	snap := ts.policy.Current()
	for kind, raw := range engine.RequestSchemas() {
		t.Run(string(kind), func(t *testing.T) {
			var schema map[string]any
			if err := json.Unmarshal(raw, &schema); err != nil {
				t.Fatal(err)
			}
			g := &markerRequest{seed: markerSeeds[kind]}
			req := g.fill(schema, "").(map[string]any)
			body, _ := json.Marshal(req)
			rec := ts.do(t, "POST", "/v1/decisions/"+kind.Path(), "application/json", string(body))
			if rec.Code != 200 {
				t.Fatalf("the generated request was not decided: %d %s\n%s", rec.Code, rec.Body, body)
			}
			if len(g.markers) < 5 {
				t.Fatalf("only %d markers placed: %s", len(g.markers), body)
			}
			id := decode(t, rec)["decision_id"].(string)
			logged := ts.as(t, "", "GET", "/v1/decisions/"+id, "")
			if logged.Code != 200 {
				t.Fatalf("the decision was not logged: %d %s", logged.Code, logged.Body)
			}
			var record struct {
				Input  any `json:"input"`
				Result any `json:"result"`
			}
			_ = json.Unmarshal(logged.Body.Bytes(), &record)
			keep := keptPaths(t, snap, kind)
			for _, where := range markersAt(map[string]any{"request": record.Input, "result": record.Result}, "") {
				if !keep.MatchString(where) {
					t.Errorf("a marker is logged in clear at %s, which the allow-list does not keep", where)
				}
			}
			for _, m := range g.markers {
				if strings.Contains(ts.logs.String(), m) {
					t.Errorf("the server log holds marker %s", m)
				}
			}
		})
	}
}

// markerSeeds are what a request needs to be decided rather than refused where the
// engine reads a string's meaning: a phone and an email that are one, an action and a
// document kind that exist. Everything else free-text gets a marker.
var markerSeeds = map[engine.Kind]map[string]any{
	engine.KindActivation: {
		"/number/e164": "+4930901820", "/number/type": "local", "/number/country": "DE", "/number/area_code": "30",
		"/identity/address/country": "DE", "/identity/documents/0/kind": "business_registration",
		"/identity/documents/0/type": "commercial_register_extract",
	},
	engine.KindAccountAction: {"/action": "purchase_number"},
	engine.KindContactVerification: {
		"/channel": "sms", "/phone": "+44 7400 123456", "/default_region": "GB", "/account/phone": "+44 7400 123456",
	},
}

// markerRequest fills a schema with values: a seed where one is given, an allowed value
// where the schema fixes the form (enums, patterns, formats), else a unique marker.
type markerRequest struct {
	seed    map[string]any
	markers []string
}

func (g *markerRequest) fill(schema map[string]any, at string) any {
	if v, ok := g.seed[at]; ok {
		return v
	}
	if enum, ok := schema["enum"].([]any); ok {
		return enum[len(enum)-1]
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "object":
		out := map[string]any{}
		props, _ := schema["properties"].(map[string]any)
		for name, p := range props {
			out[name] = g.fill(p.(map[string]any), at+"/"+name)
		}
		// Names a caller may invent: two the policy knows of, and one it does not.
		if pats, ok := schema["patternProperties"].(map[string]any); ok {
			for _, p := range pats {
				for _, name := range []string{"first_name", "company_name", "nickname"} {
					out[name] = g.fill(p.(map[string]any), at+"/"+name)
				}
			}
		}
		if extra, ok := schema["additionalProperties"].(map[string]any); ok {
			for _, name := range []string{"full_name", "email", "date_of_birth"} {
				out[name] = g.fill(extra, at+"/"+name)
			}
		}
		return out
	case "array":
		items, _ := schema["items"].(map[string]any)
		return []any{g.fill(items, at+"/0")}
	case "integer", "number":
		return 1
	case "boolean":
		return true
	case "string":
		switch {
		case schema["format"] == "date":
			return "2026-10-01"
		case schema["format"] == "date-time":
			return "2026-11-25T12:00:00Z"
		case schema["pattern"] != nil:
			return "" // a pattern fixes the form: left to a seed, or out
		}
		m := "mk" + strconv.Itoa(len(g.markers)) + "x"
		g.markers = append(g.markers, m)
		if at == "/email" {
			return m + "@example.com"
		}
		return m
	}
	return nil
}

var markerForm = regexp.MustCompile(`mk[0-9]+x`)

// markersAt lists the JSON Pointers of the values holding a marker.
func markersAt(v any, at string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, markersAt(e, at+"/"+k)...)
		}
	case []any:
		for i, e := range x {
			out = append(out, markersAt(e, at+"/"+strconv.Itoa(i))...)
		}
	case string:
		if markerForm.MatchString(x) {
			out = append(out, at)
		}
	}
	return out
}

// keptPaths is the masking policy's allow-list for a kind as one pattern: a kept
// pointer (with * for any segment) or anything below it.
func keptPaths(t *testing.T, snap *engine.Snapshot, kind engine.Kind) *regexp.Regexp {
	t.Helper()
	masks, _, err := snap.Query(context.Background(), "numgate/log/mask", map[string]any{"kind": string(kind)})
	if err != nil {
		t.Fatal(err)
	}
	var alts []string
	for _, m := range masks.([]any) {
		mask := m.(map[string]any)
		if mask["op"] != "keep" {
			continue
		}
		p := regexp.QuoteMeta(mask["path"].(string))
		alts = append(alts, strings.ReplaceAll(p, `\*`, `[^/]+`))
	}
	return regexp.MustCompile(fmt.Sprintf(`^(%s)(/.*)?$`, strings.Join(alts, "|")))
}
