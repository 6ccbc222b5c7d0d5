package engine_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/numgate/numgate/engine"
)

func loadRepo(t testing.TB) *engine.Snapshot {
	t.Helper()
	cfg := repoTrees(t)
	cfg.Clock = func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }
	snap, err := engine.Load(context.Background(), cfg)
	if err != nil {
		t.Fatalf("loading the repository's tree: %v", err)
	}
	return snap
}

const deLocalBusiness = `{
  "number":   {"e164": "+4930901820", "type": "local"},
  "identity": {
    "use": "business",
    "fields":  {"first_name": "Ada", "last_name": "Lovelace", "company_name": "Analytical GmbH"},
    "address": {"street": "Friedrichstr. 1", "city": "Berlin", "postal_code": "10117", "country": "DE"},
    "documents": [{"id": "d1", "kind": "proof_of_address", "type": "utility_bill", "issued_on": "2026-09-01"}],
    "verification": {"status": "not_started"}
  },
  "account": {"active_numbers_on_identity": 0, "commercial_use": true}
}`

func TestActivationShape(t *testing.T) {
	snap := loadRepo(t)
	d, err := activate(context.Background(), snap, []byte(deLocalBusiness))
	if err != nil {
		t.Fatal(err)
	}
	if d.DecisionID == "" || d.PolicyRevision != snap.Revision {
		t.Errorf("decision_id %q, policy_revision %q (snapshot %q)", d.DecisionID, d.PolicyRevision, snap.Revision)
	}
	if d.Status != engine.StatusIncomplete || d.Allow || d.CanRouteCalls {
		t.Errorf("status %s allow %v can_route_calls %v, want incomplete false false", d.Status, d.Allow, d.CanRouteCalls)
	}
	if d.DecidedAt != "2026-11-25T12:00:00Z" {
		t.Errorf("decided_at %q, want the injected clock's time", d.DecidedAt)
	}
	for _, r := range d.Requirements {
		if r.Code == "" || (r.Satisfied != (r.Code == "ok")) {
			t.Errorf("requirement %s: satisfied %v with code %q", r.ID, r.Satisfied, r.Code)
		}
		if !r.Satisfied && (r.Pointer == "" || r.Message == "") {
			t.Errorf("unsatisfied requirement %s lacks a pointer or message", r.ID)
		}
	}
	if d.NextStep.Code != "complete_fields" || d.NextStep.Message == "" {
		t.Errorf("next_step %+v", d.NextStep)
	}
	// The JSON names are the contract with calling services (docs/api.md).
	raw, _ := json.Marshal(d)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	for _, k := range []string{"decision_id", "policy_revision", "allow", "status", "can_route_calls", "requirements", "reasons", "next_step", "kind"} {
		if _, ok := m[k]; !ok {
			t.Errorf("decision JSON lacks %q", k)
		}
	}
}

func TestActivationInputErrors(t *testing.T) {
	snap := loadRepo(t)
	tests := []struct {
		name, body string
		sentinel   error
		code, ptr  string
	}{
		{"malformed", `{"number":`, engine.ErrInvalidInput, "malformed_json", ""},
		{"trailing data", `{} {}`, engine.ErrInvalidInput, "malformed_json", ""},
		{"not an object", `[1]`, engine.ErrInvalidInput, "wrong_type", ""},
		{"missing number", `{"identity":{"use":"business"}}`, engine.ErrInvalidInput, "missing_field", "/number"},
		{"unknown field", `{"number":{"e164":"+4930901820","type":"local","colour":"red"},"identity":{"use":"business"}}`, engine.ErrInvalidInput, "unknown_field", "/number/colour"},
		{"wrong type", `{"number":{"e164":4930901820,"type":"local"},"identity":{"use":"business"}}`, engine.ErrInvalidInput, "wrong_type", "/number/e164"},
		{"bad use", `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"private"}}`, engine.ErrInvalidInput, "invalid_value", "/identity/use"},
		{"country mismatch", `{"number":{"e164":"+4930901820","type":"local","country":"AT"},"identity":{"use":"business"}}`, engine.ErrInvalidInput, "country_mismatch", "/number/country"},
		{"invalid number", `{"number":{"e164":"+49301","type":"local"},"identity":{"use":"business"}}`, engine.ErrInvalidInput, "number_invalid", "/number/e164"},
		{"unknown country", `{"number":{"e164":"+80012345678","type":"local"},"identity":{"use":"business"}}`, engine.ErrUnknownCountry, "country_not_configured", "/number/e164"},
		{"bad decision time", `{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business"},"at":"tomorrow"}`, engine.ErrInvalidInput, "invalid_value", "/at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := activate(context.Background(), snap, []byte(tc.body))
			var ie *engine.InputError
			if !errors.As(err, &ie) || !errors.Is(err, tc.sentinel) {
				t.Fatalf("got %v, want an InputError wrapping %v", err, tc.sentinel)
			}
			for _, p := range ie.Problems {
				if p.Code == tc.code && p.Pointer == tc.ptr && p.Message != "" {
					return
				}
			}
			t.Errorf("problems %+v lack code %s at %q", ie.Problems, tc.code, tc.ptr)
		})
	}
}

// TestSharedPlanRegionNotConfigured: a number of a shared plan decided for one of its
// other regions needs that region's file. A tree of the catalogue and GB alone stands
// for "the Isle of Man is not configured", whatever the repository configures.
func TestSharedPlanRegionNotConfigured(t *testing.T) {
	catalog, _ := os.ReadFile("../countries/catalog.yaml")
	gb, _ := os.ReadFile("../countries/GB.yaml")
	cfg := repoTrees(t)
	cfg.Countries.FS = fstest.MapFS{"catalog.yaml": {Data: catalog}, "GB.yaml": {Data: gb}}
	snap, err := engine.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"number":{"e164":"+447924123456","type":"mobile","country":"%s"},"identity":{"use":"personal"}}`
	if _, err := activate(context.Background(), snap, []byte(fmt.Sprintf(body, "GB"))); err != nil {
		t.Errorf("as GB: %v", err)
	}
	_, err = activate(context.Background(), snap, []byte(fmt.Sprintf(body, "IM")))
	var ie *engine.InputError
	if !errors.As(err, &ie) || !errors.Is(err, engine.ErrUnknownCountry) || ie.Problems[0].Code != "country_not_configured" {
		t.Errorf("as IM: %v, want country_not_configured", err)
	}
	_, err = activate(context.Background(), snap, []byte(fmt.Sprintf(body, "JE")))
	if !errors.As(err, &ie) || ie.Problems[0].Code != "country_mismatch" || !strings.Contains(ie.Problems[0].Message, "GB, IM") {
		t.Errorf("as JE: %v, want country_mismatch naming GB, IM", err)
	}
}

func TestRequirements(t *testing.T) {
	snap := loadRepo(t)
	ctx := context.Background()
	r, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: "local", Use: "business"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Availability != "available" || len(r.Requirements) == 0 || len(r.Sources) == 0 || r.PolicyRevision != snap.Revision {
		t.Fatalf("DE local business: %+v", r)
	}
	for _, q := range r.Requirements {
		if q.ID == "address" && q.Details.Scope != "local_area" {
			t.Errorf("DE local address scope %q, want local_area", q.Details.Scope)
		}
	}
	r, err = snap.Requirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: "local", Use: "personal"})
	if err != nil || r.Availability != "not_available" || r.Unavailable == nil || r.Unavailable.Code != "not_available_for_use" {
		t.Errorf("DE local personal: %+v, %v", r, err)
	}
	if _, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "ZZ", NumberType: "local", Use: "business"}); !errors.Is(err, engine.ErrUnknownCountry) {
		t.Errorf("ZZ: got %v, want ErrUnknownCountry", err)
	}
	if _, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "DE", NumberType: "fax", Use: "business"}); !errors.Is(err, engine.ErrInvalidInput) {
		t.Errorf("fax: got %v, want ErrInvalidInput", err)
	}
}

func TestCountries(t *testing.T) {
	snap := loadRepo(t)
	want := []string{"AT", "AU", "BE", "CH", "DE", "ES", "FR", "GB", "IE", "IT", "NL", "PL", "PT", "SE", "US"}
	got := snap.Countries()
	if len(got) < len(want) {
		t.Fatalf("%d countries, want at least %d", len(got), len(want))
	}
	for _, code := range want {
		c, ok := snap.Country(code)
		if !ok || c.Name == "" || len(c.Numbers) == 0 {
			t.Errorf("country %s: %+v, %v", code, c, ok)
		}
	}
}

// TestRevision: the revision is a content hash, the same for the same files and different
// after any edit.
func TestRevision(t *testing.T) {
	a, b := loadRepo(t), loadRepo(t)
	if a.Revision != b.Revision {
		t.Errorf("same files, revisions %s and %s", a.Revision, b.Revision)
	}
	cfg := repoTrees(t)
	de, _ := os.ReadFile("../countries/DE.yaml")
	cfg.Countries.FS = overlay(t, cfg.Countries.FS, map[string][]byte{"DE.yaml": append(de, []byte("\n# edited\n")...)})
	c, err := engine.Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Revision == a.Revision {
		t.Error("an edited country file kept the revision")
	}
}

// TestConcurrentDecisions: one snapshot answers many goroutines at once, each the same.
func TestConcurrentDecisions(t *testing.T) {
	snap := loadRepo(t)
	want, err := activate(context.Background(), snap, []byte(deLocalBusiness))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 25; j++ {
				d, err := activate(context.Background(), snap, []byte(deLocalBusiness))
				if err != nil {
					errs <- err
					return
				}
				if fmt.Sprint(d.Requirements) != fmt.Sprint(want.Requirements) || d.Status != want.Status {
					errs <- fmt.Errorf("decision differs under concurrency: %s vs %s", d.Status, want.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMaskForLog(t *testing.T) {
	snap := loadRepo(t)
	ctx := context.Background()
	req := []byte(`{"number":{"e164":"+4930901820","type":"local"},"identity":{"use":"business",
	  "fields":{"company_name":"Analytical GmbH","representative_first_name":"Adelheid","representative_email":"a@secret.example"},
	  "address":{"street":"Geheimweg 7","city":"Berlin","postal_code":"10999","country":"DE"},
	  "documents":[{"id":"P-99812","type":"national_id_card","issued_on":"2026-10-01","expires_on":"2026-11-01"}]}}`)
	d, err := activate(ctx, snap, req)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	m, err := snap.MaskForLog("activation", req, answer)
	if err != nil {
		t.Fatal(err)
	}
	all := string(m.Request) + string(m.Result)
	for _, secret := range []string{"Adelheid", "a@secret.example", "Geheimweg", "P-99812", "4930901820", "Analytical GmbH"} {
		if strings.Contains(all, secret) {
			t.Errorf("the masked record still holds %q:\n%s", secret, all)
		}
	}
	for _, kept := range []string{"Berlin", `"e164":"******1820"`, `"status":"incomplete"`} {
		if !strings.Contains(all, kept) {
			t.Errorf("the masked record lost %q:\n%s", kept, all)
		}
	}
}

// withChange is US.yaml with a dated change, as compliance staff would commit it before
// it takes effect: from 2027-01-01 a US local number needs the holder's names (an
// example, not a real regulation).
func withChange(t testing.TB) engine.Config {
	t.Helper()
	us, err := os.ReadFile("../countries/US.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// testdata/edits holds the lines an editor would insert, before "business: *us-local".
	change, err := os.ReadFile("../testdata/edits/us-local-dated-change.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(us), "    business: *us-local\n", string(change), 1)
	cfg := repoTrees(t)
	cfg.Countries.FS = overlay(t, cfg.Countries.FS, map[string][]byte{"US.yaml": []byte(edited)})
	return cfg
}

func TestDatedChangeTakesEffectOnItsDate(t *testing.T) {
	ctx := context.Background()
	snap, err := engine.Load(ctx, withChange(t))
	if err != nil {
		t.Fatal(err)
	}
	decide := func(at string) *engine.ActivationDecision {
		d, err := activate(ctx, snap, []byte(`{"number":{"e164":"+12025550123","type":"local"},"identity":{"use":"personal"},"at":"`+at+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if d := decide("2026-12-31T23:59:59Z"); d.Status != engine.StatusActive {
		t.Errorf("the day before: %s", d.Status)
	}
	if d := decide("2027-01-01T00:00:00Z"); d.Status != engine.StatusIncomplete || len(d.Requirements) != 2 {
		t.Errorf("from its date: %s %+v", d.Status, d.Requirements)
	}
	r, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "US", NumberType: "local", Use: "personal", At: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Requirements) != 0 || len(r.Upcoming) != 1 || r.Upcoming[0].EffectiveFrom != "2027-01-01" || len(r.Upcoming[0].Requirements) != 2 || r.AsOf != "2026-11-25" {
		t.Errorf("requirements before the change: %+v", r)
	}
	// The business offer is the personal one by YAML alias, so the change applies to it too.
	r, _ = snap.Requirements(ctx, engine.RequirementsQuery{Country: "US", NumberType: "local", Use: "business", At: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)})
	if len(r.Requirements) != 2 || len(r.Upcoming) != 0 || r.AsOf != "2027-02-01" {
		t.Errorf("business after the date: %+v", r)
	}
}

// TestSignedBundle: a bundle signed with a key is read with its public key, and refused
// with another key; an unsigned bundle is refused when a key is given, and a signed one
// is read when none is.
func TestSignedBundle(t *testing.T) {
	ctx := context.Background()
	snap := loadRepo(t)
	private, public := rsaKeyPair(t)
	_, otherPublic := rsaKeyPair(t)
	var signed, unsigned bytes.Buffer
	if err := snap.WriteBundle(ctx, &signed, &engine.BundleKey{Key: private}); err != nil {
		t.Fatal(err)
	}
	if err := snap.WriteBundle(ctx, &unsigned, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		data   []byte
		verify *engine.BundleKey
		ok     bool
	}{
		{"signed, its key", signed.Bytes(), &engine.BundleKey{Key: public}, true},
		{"signed, another key", signed.Bytes(), &engine.BundleKey{Key: otherPublic}, false},
		{"signed, no key", signed.Bytes(), nil, true},
		{"unsigned, a key", unsigned.Bytes(), &engine.BundleKey{Key: public}, false},
		{"unsigned, no key", unsigned.Bytes(), nil, true},
	} {
		back, err := engine.ReadBundle(ctx, bytes.NewReader(tc.data), tc.verify, engine.Config{})
		if (err == nil) != tc.ok || (err == nil && back.Revision != snap.Revision) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func rsaKeyPair(t *testing.T) (private, public []byte) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}),
		pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
}

// TestBundleRoundTrip: a snapshot written as a bundle and loaded back decides the same.
func TestBundleRoundTrip(t *testing.T) {
	ctx := context.Background()
	snap := loadRepo(t)
	var buf bytes.Buffer
	if err := snap.WriteBundle(ctx, &buf, nil); err != nil {
		t.Fatal(err)
	}
	back, err := engine.ReadBundle(ctx, &buf, nil, engine.Config{Clock: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	if back.Revision != snap.Revision || len(back.Countries()) != len(snap.Countries()) {
		t.Errorf("revision %s (want %s), %d countries", back.Revision, snap.Revision, len(back.Countries()))
	}
	a, _ := activate(ctx, snap, []byte(deLocalBusiness))
	c, err := activate(ctx, back, []byte(deLocalBusiness))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Requirements, a.Status, a.NextStep) != fmt.Sprint(c.Requirements, c.Status, c.NextStep) {
		t.Errorf("decisions differ:\n%+v\n%+v", a, c)
	}
	if _, err := back.Decide(ctx, engine.KindAccountAction, []byte(`{"action":"purchase_number","account":{}}`)); err != nil {
		t.Errorf("account actions from the bundle: %v", err)
	}
	// The bundle carries the message catalogue: it answers in every language, as the tree.
	if fmt.Sprint(back.Translations()) != fmt.Sprint(snap.Translations()) {
		t.Errorf("translations from the bundle:\n%v\nfrom the tree:\n%v", back.Translations(), snap.Translations())
	}
	for _, l := range snap.Languages() {
		x, err1 := snap.DecideIn(ctx, l.Code, engine.KindActivation, []byte(deLocalBusiness))
		y, err2 := back.DecideIn(ctx, l.Code, engine.KindActivation, []byte(deLocalBusiness))
		if err1 != nil || err2 != nil || fmt.Sprint(x.Head().Reasons) != fmt.Sprint(y.Head().Reasons) {
			t.Errorf("%s: the bundle's messages differ:\n%v\n%v (%v, %v)", l.Code, x.Head().Reasons, y.Head().Reasons, err1, err2)
		}
	}
}
