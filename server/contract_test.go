package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/internal/buildinfo"
)

var update = flag.Bool("update", false, "rewrite openapi.json's ActivationRequest from the engine's schema")

// contract checks real responses against openapi.json.
type contract struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
	seen     map[string]bool // "METHOD template status"
}

const openapiURL = "https://numgate.dev/openapi.json"

func loadContract(t *testing.T) *contract {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(OpenAPI))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(openapiURL, doc); err != nil {
		t.Fatal(err)
	}
	return &contract{doc: doc.(map[string]any), compiler: c, schemas: map[string]*jsonschema.Schema{}, seen: map[string]bool{}}
}

// template finds the documented path a request path belongs to: a literal path with
// the method wins over a template it also matches (POST /v1/decisions/activation is not
// GET /v1/decisions/{decision_id}).
func (c *contract) template(method, path string) (string, bool) {
	if item, ok := c.doc["paths"].(map[string]any)[path].(map[string]any); ok && item[strings.ToLower(method)] != nil {
		return path, true
	}
	params := strings.NewReplacer(`\{path\}`, ".+", `\{country\}`, "[^/]+", `\{number_type\}`, "[^/]+", `\{decision_id\}`, "[^/]+")
	var best string
	for tmpl := range c.doc["paths"].(map[string]any) {
		if regexp.MustCompile("^"+params.Replace(regexp.QuoteMeta(tmpl))+"$").MatchString(path) && len(tmpl) > len(best) {
			best = tmpl
		}
	}
	return best, best != ""
}

// check validates one response against the documented response for its path, method
// and status.
func (c *contract) check(t *testing.T, method, path string, status int, contentType string, body []byte) {
	t.Helper()
	tmpl, ok := c.template(method, path)
	if !ok {
		if status == http.StatusNotFound {
			c.validate(t, "#/components/schemas/Error", body, method+" "+path)
			return
		}
		t.Errorf("%s %s: no documented path", method, path)
		return
	}
	op, _ := c.doc["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		if status == http.StatusMethodNotAllowed {
			c.validate(t, "#/components/schemas/Error", body, method+" "+path)
			return
		}
		t.Errorf("%s %s: method not documented on %s", method, path, tmpl)
		return
	}
	resp, _ := op["responses"].(map[string]any)[strconv.Itoa(status)].(map[string]any)
	if resp == nil {
		t.Errorf("%s %s answered %d, which %s does not document", method, path, status, tmpl)
		return
	}
	c.seen[fmt.Sprintf("%s %s %d", method, tmpl, status)] = true
	content := resp["content"].(map[string]any)
	mt, _, _ := strings.Cut(contentType, ";")
	if _, ok := content[mt]; !ok {
		t.Errorf("%s %s %d: content type %q is not documented", method, path, status, contentType)
		return
	}
	if mt != "application/json" {
		return
	}
	ptr := fmt.Sprintf("#/paths/%s/%s/responses/%d/content/application~1json/schema",
		strings.ReplaceAll(strings.ReplaceAll(tmpl, "~", "~0"), "/", "~1"), strings.ToLower(method), status)
	c.validate(t, ptr, body, fmt.Sprintf("%s %s %d", method, path, status))
}

func (c *contract) validate(t *testing.T, ptr string, body []byte, what string) {
	t.Helper()
	sch, ok := c.schemas[ptr]
	if !ok {
		var err error
		if sch, err = c.compiler.Compile(openapiURL + ptr); err != nil {
			t.Fatalf("compiling %s: %v", ptr, err)
		}
		c.schemas[ptr] = sch
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: the body is not JSON: %v", what, err)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s: the response breaks the contract:\n%v\nbody: %s", what, err, body)
	}
}

// TestContract sends a request of every kind, success and error, and checks each real
// response against openapi.json; every documented path and method must be exercised.
func TestContract(t *testing.T) {
	ts := newTestServer(t)
	c := loadContract(t)
	const js = "application/json"
	de, _ := os.ReadFile("../testdata/requests/de-local-business.json")
	requests := []struct{ method, target, ctype, body string }{
		{"GET", "/v1/countries", "", ""},
		{"GET", "/v1/countries/DE", "", ""},
		{"GET", "/v1/countries/de", "", ""},
		{"GET", "/v1/countries/XX", "", ""},
		{"GET", "/v1/coverage", "", ""},
		{"GET", "/v1/coverage?stale_after=5d&at=2027-06-01T00:00:00Z", "", ""},
		{"GET", "/v1/coverage?stale_after=forever", "", ""},
		{"PUT", "/v1/coverage", "", ""},
		{"GET", "/v1/requirements/DE/local?use=business", "", ""},
		{"GET", "/v1/requirements/DE/local?use=business&lang=de", "", ""},
		{"GET", "/v1/requirements/DE/local?use=business&lang=no%20tag", "", ""},
		{"GET", "/v1/requirements?number=%2B4930901820&use=business&lang=fr", "", ""},
		{"POST", "/v1/decisions/activation?lang=de", js, string(de)},
		{"POST", "/v1/decisions/activation?lang=x!", js, string(de)},
		{"GET", "/v1/requirements/DE/local?use=personal", "", ""},
		{"GET", "/v1/requirements/DE/mobile?use=personal", "", ""},
		{"GET", "/v1/requirements/FR/local?use=business", "", ""},
		{"GET", "/v1/requirements/ZZ/local?use=business", "", ""},
		{"GET", "/v1/requirements/DE/fax?use=business", "", ""},
		{"GET", "/v1/requirements/DE/local", "", ""},
		{"GET", "/v1/requirements?number=%2B4930901820&use=business", "", ""},
		{"GET", "/v1/requirements?number=+442079460000&use=personal", "", ""},
		{"GET", "/v1/requirements?number=%2B447400123456&use=personal", "", ""},
		{"GET", "/v1/requirements?number=%2B80012345678&use=personal", "", ""},
		{"GET", "/v1/requirements?number=12345&use=personal", "", ""},
		{"POST", "/v1/decisions/activation", js, string(de)},
		{"POST", "/v1/decisions/activation", js, `{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"personal"},"account":{"commercial_use":true}}`},
		{"POST", "/v1/decisions/activation", js, `{"number":{"e164":"+4915112345678","type":"mobile"},"identity":{"use":"personal"}}`},
		{"POST", "/v1/decisions/activation", js, `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business","verification":{"status":"pending","case_id":"c1"}}}`},
		{"POST", "/v1/decisions/activation", js, `{"number":`},
		{"POST", "/v1/decisions/activation", js, `{"number":{"e164":"+80012345678","type":"local"},"identity":{"use":"business"}}`},
		{"POST", "/v1/decisions/activation", "text/plain", `{}`},
		{"POST", "/v1/decisions/activation", js, `{"x":"` + strings.Repeat("a", 70<<10) + `"}`},
		{"POST", "/v1/decisions/account-action", js, `{"action":"purchase_number","account":{"active_orders":1}}`},
		{"POST", "/v1/decisions/account-action", js, `{"action":"purchase_number","account":{"details":{"full_name":"A","email":"a@b.co","country":"GB","billing_address":"x"},"identity_verification":{"status":"failed","attempts":1},"two_factor":{"methods":["webauthn"]}}}`},
		{"POST", "/v1/decisions/account-action", js, `{"action":"fly","account":{}}`},
		{"POST", "/v1/decisions/account-action", "text/plain", `{}`},
		{"POST", "/v1/decisions/account-action", js, `{"x":"` + strings.Repeat("a", 70<<10) + `"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"sms","phone":"+44 7400 123456"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"sms","phone":"030 901820","default_region":"DE"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"email","email":"ada@example.com"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"sms","phone":"+49 800 1234567"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"sms","phone":"(202) 555-2671","default_region":"US"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"voice","phone":"07700 900123","default_region":"GB"}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"channel":"sms","phone":"+49 30"}`},
		{"POST", "/v1/decisions/contact-verification", "text/plain", `{}`},
		{"POST", "/v1/decisions/contact-verification", js, `{"x":"` + strings.Repeat("a", 70<<10) + `"}`},
		{"POST", "/v1/data/numgate/requirements/result", js, `{"input":{"country":"DE","number_type":"local","use":"business"}}`},
		{"POST", "/v1/data/numgate/requirements/nothing", js, ``},
		{"POST", "/v1/data/numgate/bad-segment", js, `{}`},
		{"POST", "/v1/data/numgate", "text/plain", `{}`},
		{"POST", "/v1/data/numgate", js, `{"input":"` + strings.Repeat("a", 70<<10) + `"}`},
		{"POST", "/v1/data", js, `{}`},
		{"POST", "/v1/data", js, `[]`},
		{"POST", "/v1/data", "text/plain", `{}`},
		{"POST", "/v1/data", js, `{"input":"` + strings.Repeat("a", 70<<10) + `"}`},
		{"GET", "/v1/policy", "", ""},
		{"POST", "/v1/policy/reload", "", ""},
		{"GET", "/healthz", "", ""},
		{"GET", "/readyz", "", ""},
		{"GET", "/metrics", "", ""},
		{"GET", "/openapi.json", "", ""},
		{"GET", "/nothing/here", "", ""},
		{"PUT", "/v1/policy", "", ""},
	}
	for _, r := range requests {
		rec := ts.do(t, r.method, r.target, r.ctype, r.body)
		path, _, _ := strings.Cut(r.target, "?")
		c.check(t, r.method, path, rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	}
	// The error shape of a broken reload and of readiness while stopping.
	os.WriteFile(ts.dir+"/countries/DE.yaml", []byte("country: [\n"), 0o644)
	rec := ts.do(t, "POST", "/v1/policy/reload", "", "")
	c.check(t, "POST", "/v1/policy/reload", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	_ = ts.Shutdown(t.Context())
	rec = ts.do(t, "GET", "/readyz", "", "")
	c.check(t, "GET", "/readyz", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())

	var missing []string
	for tmpl, item := range c.doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			for status := range op.(map[string]any)["responses"].(map[string]any) {
				switch {
				case strings.HasPrefix(tmpl, "/v1/decisions") && method == "get":
					continue // the decision log's answers are checked in decisionlog_test.go
				case status == "405", status == "401", status == "403", status == "429", status == "503" && tmpl != "/readyz":
					continue // the same mechanism for every route; tested on its own (auth_test.go, limits)
				}
				if !c.seen[fmt.Sprintf("%s %s %s", strings.ToUpper(method), tmpl, status)] {
					missing = append(missing, fmt.Sprintf("%s %s %s", strings.ToUpper(method), tmpl, status))
				}
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("documented responses no test produced:\n%s", strings.Join(missing, "\n"))
	}
}

// TestOpenAPIRequestSchemasInSync: the API document carries the engine's own request
// schemas. Run `go test ./server -run OpenAPI -args -update` after changing the engine's.
func TestOpenAPIRequestSchemasInSync(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	component := map[engine.Kind]string{engine.KindActivation: "ActivationRequest", engine.KindAccountAction: "AccountActionRequest", engine.KindContactVerification: "ContactVerificationRequest"}
	stale := false
	for kind, raw := range engine.RequestSchemas() {
		var eng map[string]any
		if err := json.Unmarshal(raw, &eng); err != nil {
			t.Fatal(err)
		}
		delete(eng, "$schema")
		delete(eng, "$id")
		a, _ := json.Marshal(schemas[component[kind]])
		b, _ := json.Marshal(eng)
		if !bytes.Equal(a, b) {
			stale = true
			schemas[component[kind]] = eng
			if !*update {
				t.Errorf("openapi.json's %s differs from the engine's %s request schema; run: go test ./server -run OpenAPI -args -update", component[kind], kind)
			}
		}
	}
	if stale && *update {
		out, _ := json.MarshalIndent(doc, "", "  ")
		if err := os.WriteFile("openapi.json", append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPolicyStatusNamesTheBuild: GET /v1/policy says which build serves, as the contract
// documents it (BuildInfo, required), with the values numgate version prints.
func TestPolicyStatusNamesTheBuild(t *testing.T) {
	ts := newTestServer(t)
	rec := ts.do(t, "GET", "/v1/policy", "", "")
	loadContract(t).check(t, "GET", "/v1/policy", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
	var st struct {
		Build buildinfo.Info `json:"build"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if want := buildinfo.Read(); st.Build != want || st.Build.GoVersion == "" || st.Build.OPAVersion == "" {
		t.Errorf("build %+v, want %+v", st.Build, want)
	}
}

// TestOneDecisionEnvelope: every decision answer's schema is the shared envelope and the
// kind's details, so the contract test above holds every decision to one envelope.
func TestOneDecisionEnvelope(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema struct {
						Ref string `json:"$ref"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				AllOf []struct {
					Ref string `json:"$ref"`
				} `json:"allOf"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range engine.Kinds {
		ref := doc.Paths["/v1/decisions/"+k.Path()]["post"].Responses["200"].Content["application/json"].Schema.Ref
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		all := doc.Components.Schemas[name].AllOf
		if name == "" || len(all) == 0 || all[0].Ref != "#/components/schemas/DecisionEnvelope" {
			t.Errorf("POST /v1/decisions/%s answers %q, which does not begin with the DecisionEnvelope", k.Path(), ref)
		}
	}
}

// TestOpenAPIExamples: every example in the contract — each request body, each response
// and the error shape — is valid against the schema it illustrates, so no example drifts
// from the API.
func TestOpenAPIExamples(t *testing.T) {
	c := loadContract(t)
	n := 0
	escape := strings.NewReplacer("~", "~0", "/", "~1")
	for path, item := range c.doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			o := op.(map[string]any)
			base := "#/paths/" + escape.Replace(path) + "/" + method
			if rb, ok := o["requestBody"].(map[string]any); ok {
				for mt, media := range rb["content"].(map[string]any) {
					if ex, ok := media.(map[string]any)["example"]; ok {
						raw, _ := json.Marshal(ex)
						c.validate(t, base+"/requestBody/content/"+escape.Replace(mt)+"/schema", raw, method+" "+path+" request example")
						n++
					}
				}
			}
			for status, resp := range o["responses"].(map[string]any) {
				content, _ := resp.(map[string]any)["content"].(map[string]any)
				for mt, media := range content {
					if ex, ok := media.(map[string]any)["example"]; ok {
						raw, _ := json.Marshal(ex)
						c.validate(t, base+"/responses/"+status+"/content/"+escape.Replace(mt)+"/schema", raw, method+" "+path+" "+status+" example")
						n++
					}
				}
			}
			if o["operationId"] == nil {
				t.Errorf("%s %s has no operationId", method, path)
			}
		}
	}
	errExample, _ := json.Marshal(c.doc["components"].(map[string]any)["schemas"].(map[string]any)["Error"].(map[string]any)["example"])
	c.validate(t, "#/components/schemas/Error", errExample, "the Error example")
	if n < 20 {
		t.Errorf("only %d examples", n)
	}
}
