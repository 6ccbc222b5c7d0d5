package console

import (
	"net/url"
	"strings"
	"testing"

	"github.com/numgate/numgate/engine"
)

// testOffer is an offer with a field, an address and two document requirements, the
// second wanting two documents.
var testOffer = &engine.Requirements{Country: "DE", NumberType: "local", Use: "business", Availability: "available",
	Requirements: []engine.Requirement{
		{ID: "field.company_name", Kind: "field", Pointer: "/identity/fields/company_name", Message: "Enter the name.", Details: engine.RequirementDetails{Label: "Company name"}},
		{ID: "address", Kind: "address", Pointer: "/identity/address", Message: "Enter the address.", Details: engine.RequirementDetails{Scope: "country", Parts: []string{"street", "city"}}},
		{ID: "address.proof", Kind: "document", Pointer: "/identity/documents", Message: "Upload a bill.",
			Details: engine.RequirementDetails{DocumentKind: "proof_of_address", Accepted: []engine.AcceptedDocument{{Type: "utility_bill", Label: "Utility bill"}}, Count: 1}},
		{ID: "document.identity", Kind: "document", Pointer: "/identity/documents", Message: "Upload two IDs.",
			Details: engine.RequirementDetails{DocumentKind: "identity", Accepted: []engine.AcceptedDocument{{Type: "passport", Label: "Passport"}}, Count: 2}},
	}}

func testActivationForm(t *testing.T) *form {
	t.Helper()
	schemas, err := requestSchemas()
	if err != nil {
		t.Fatal(err)
	}
	return activationForm(schemas[engine.KindActivation], testOffer, "+4930901820", 1)
}

// TestActivationFormIsTheRequest: a submitted form is the request, in the form's order,
// with groups left empty not sent and the offer's number type, country and use fixed.
func TestActivationFormIsTheRequest(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"as preset", url.Values{}, `{"number":{"e164":"+4930901820","type":"local","country":"DE"},"identity":{"use":"business"}}`},
		{"a field, a part and the third document", url.Values{
			"/identity/fields/company_name": {"ACME"}, "/identity/address/city": {"Berlin"},
			"/identity/documents/2/type": {"passport"}, "/identity/documents/2/issued_on": {"2026-01-02"},
			"/identity/documents/0/issued_on": {"2026-01-01"}, // no type: the group is not sent
		}, `{"number":{"e164":"+4930901820","type":"local","country":"DE"},"identity":{"use":"business","fields":{"company_name":"ACME"},` +
			`"address":{"city":"Berlin"},"documents":[{"id":"d3","type":"passport","kind":"identity","issued_on":"2026-01-02"}]}}`},
		{"numbers, yes and no, times", url.Values{
			"/account/active_numbers_on_identity": {"2"}, "/account/commercial_use": {"false"}, "/at": {"2027-01-01T10:30"},
		}, `{"number":{"e164":"+4930901820","type":"local","country":"DE"},"identity":{"use":"business"},` +
			`"account":{"active_numbers_on_identity":2,"commercial_use":false},"at":"2027-01-01T10:30:00Z"}`},
		{"a number that is none is sent as typed, for the API to refuse", url.Values{"/account/active_numbers_on_identity": {"two"}},
			`{"number":{"e164":"+4930901820","type":"local","country":"DE"},"identity":{"use":"business"},"account":{"active_numbers_on_identity":"two"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := testActivationForm(t)
			f.fill(tt.form)
			got := strings.Join(strings.Fields(string(f.request())), "")
			if got != tt.want {
				t.Errorf("request\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMessagesSitAtTheirInputs: a message lands at the control its pointer names (as the
// form numbers documents), or the nearest control holding it, or atop the form.
func TestMessagesSitAtTheirInputs(t *testing.T) {
	f := testActivationForm(t)
	if n := len(f.byPtr["/identity/documents"].Children); n != 4 {
		t.Fatalf("%d document groups, want 1 proof of address, 2 identity documents and 1 added", n)
	}
	f.fill(url.Values{"/identity/documents/1/type": {"passport"}, "/identity/documents/2/type": {"passport"}})
	f.request() // numbers the documents as sent: the form's 1 and 2 are the request's 0 and 1
	tests := []struct {
		id, ptr, wantAt string
	}{
		{"field.company_name", "/identity/fields/company_name", "f-identity-fields-company_name"},
		{"", "/identity/documents/1/expires_on", "f-identity-documents-2-expires_on"},
		{"", "/identity/documents/0", "f-identity-documents-1"},
		{"address", "/identity/address/postal_code", "f-identity-address"}, // no such input: its group
		{"address.proof", "/identity/documents", "f-identity-documents-0"}, // a missing document: its group
		{"document.identity", "/identity/documents", "f-identity-documents-1"},
		{"", "/number/type", "f-number"}, // a hidden input shows nothing: its group does
		{"", "", "form-msg"},
	}
	for _, tt := range tests {
		text := "message for " + tt.id + " " + tt.ptr
		f.placeRequirement(tt.id, tt.ptr, message{Code: "x", Text: text, Tone: "bad"})
		if got := f.Anchor(tt.ptr); tt.id == "" && got != tt.wantAt {
			t.Errorf("Anchor(%q) = %s, want %s", tt.ptr, got, tt.wantAt)
		}
		at := "form-msg"
		for _, n := range f.byPtr {
			for _, m := range n.Messages {
				if m.Text == text {
					at = n.ID()
				}
			}
		}
		if at != tt.wantAt {
			t.Errorf("%s %q is at %s, want %s", tt.id, tt.ptr, at, tt.wantAt)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/console/policy":                    "/console/policy",
		"/console/decide/activation?x=1&y=2": "/console/decide/activation?x=1&y=2",
		"":                                   "/console/",
		"/v1/policy":                         "/console/",
		"https://evil.example/console/":      "/console/",
		"//evil.example/console/":            "/console/",
		"/console//evil.example":             "/console/",
		`/console/\evil.example`:             "/console/",
		"javascript:alert(1)":                "/console/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
