package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// get fetches a page with the client (its cookies) and extra headers.
func get(t *testing.T, c *http.Client, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

// post submits a form.
func post(t *testing.T, c *http.Client, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of the forms of a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no CSRF token:\n%s", page)
	}
	return m[1]
}

var (
	scriptTag    = regexp.MustCompile(`(?i)<script\b[^>]*>`)
	eventHandler = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	control      = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	idAttr       = regexp.MustCompile(`\sid="([^"]+)"`)
	labelFor     = regexp.MustCompile(`<label[^>]*\sfor="([^"]+)"`)
	checkInLabel = regexp.MustCompile(`<label class="check">(<input\b[^>]*>)`)
)

// TestPagesAreSafeAndLabelled: every page carries a Content-Security-Policy without
// inline script, has no inline script, event handler or style attribute for it to
// block, and gives every visible input a label.
func TestPagesAreSafeAndLabelled(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.client(t)
	pages := []string{
		"/console/",
		"/console/?q=de&availability=available&type=local&use=business&stale=1",
		"/console/offer/DE/local/business",
		"/console/offer/US/mobile/personal",
		"/console/decide/activation",
		"/console/decide/activation?country=DE&type=local&use=business",
		"/console/decide/activation?number=%2B12025550123&use=personal",
		"/console/decide/account-action",
		"/console/decide/contact-verification",
		"/console/policy",
		"/console/decisions",
	}
	for _, p := range pages {
		t.Run(p, func(t *testing.T) {
			resp, body := get(t, c, ts.URL+p)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("HTTP %d:\n%s", resp.StatusCode, body)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			for _, tag := range scriptTag.FindAllString(body, -1) {
				if !strings.Contains(tag, `src="/console/static/`) {
					t.Errorf("inline or foreign script: %s", tag)
				}
			}
			for _, re := range []*regexp.Regexp{eventHandler, styleAttr} {
				if m := re.FindString(body); m != "" {
					t.Errorf("inline attribute %q", m)
				}
			}
			labelled := map[string]bool{}
			for _, m := range labelFor.FindAllStringSubmatch(body, -1) {
				labelled[m[1]] = true
			}
			inLabel := map[string]bool{}
			for _, m := range checkInLabel.FindAllStringSubmatch(body, -1) {
				inLabel[m[1]] = true
			}
			for _, tag := range control.FindAllString(body, -1) {
				if strings.Contains(tag, `type="hidden"`) || inLabel[tag] {
					continue
				}
				id := idAttr.FindStringSubmatch(tag)
				if id == nil || !labelled[id[1]] {
					t.Errorf("a control without a label: %s", tag)
				}
			}
		})
	}
	for _, asset := range []string{"console.css", "console.js", "favicon.svg"} {
		resp, body := get(t, c, ts.URL+"/console/static/"+asset)
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: HTTP %d", asset, resp.StatusCode)
		}
	}
	if resp, _ := get(t, c, ts.URL+"/console/nothing-here"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown page: HTTP %d", resp.StatusCode)
	}
}

// TestRolesPerPage: each page needs the role the API needs for what it shows, checked
// for a caller's own bearer token as for a session.
func TestRolesPerPage(t *testing.T) {
	auditor := caller{"auditor", "tok-auditor-55d0", []string{"audit"}}
	ts := startServer(t, serverOptions{callers: []caller{integrator, operator, auditor}})
	c := ts.client(t)
	tests := []struct {
		who    caller
		path   string
		status int
	}{
		{integrator, "/console/", 200},
		{integrator, "/console/offer/DE/local/business", 200},
		{integrator, "/console/decide/contact-verification", 200},
		{integrator, "/console/policy", 403},
		{integrator, "/console/decisions", 403},
		{auditor, "/console/decisions", 200},
		{auditor, "/console/", 303}, // to the first page an auditor may see: the decision log
		{auditor, "/console/policy", 403},
		{operator, "/console/policy", 200},
		{operator, "/console/decisions", 200},
	}
	for _, tt := range tests {
		resp, body := get(t, c, ts.URL+tt.path, "Authorization", "Bearer "+tt.who.token)
		if resp.StatusCode != tt.status {
			t.Errorf("%s GET %s: HTTP %d, want %d", tt.who.name, tt.path, resp.StatusCode, tt.status)
		}
		if tt.status == 403 && !strings.Contains(body, tt.who.name+" may not see this page: it needs the") {
			t.Errorf("%s GET %s: the refusal does not name the role:\n%s", tt.who.name, tt.path, body)
		}
		if tt.status == 303 && resp.Header.Get("Location") != "/console/decisions" {
			t.Errorf("%s GET %s: to %q, want /console/decisions", tt.who.name, tt.path, resp.Header.Get("Location"))
		}
	}
	resp, _ := get(t, c, ts.URL+"/console/policy")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fpolicy" {
		t.Errorf("no credentials: HTTP %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(t, c, ts.URL+"/console/", "Authorization", "Bearer not-a-token")
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a wrong bearer token: HTTP %d, want the sign-in page", resp.StatusCode)
	}
}

// TestSignInKeepsASession: a token given once makes a session cookie (HttpOnly,
// SameSite=Strict, Secure under TLS, a new id) that later pages are served on, until
// sign-out.
func TestSignInKeepsASession(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(map[bool]string{false: "http", true: "https"}[tls], func(t *testing.T) {
			ts := startServer(t, serverOptions{callers: []caller{integrator, operator}, tls: tls})
			c := ts.client(t)
			resp, page := get(t, c, ts.URL+"/console/login?next=%2Fconsole%2Foffer%2FDE%2Flocal%2Fbusiness")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("sign-in page: HTTP %d", resp.StatusCode)
			}
			before := visitorCookie(t, resp)
			token := csrf(t, page)
			resp, page = post(t, c, ts.URL+"/console/login", url.Values{"csrf": {token}, "token": {"wrong"}, "next": {"/console/"}})
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "not one the server knows") {
				t.Errorf("a wrong token: HTTP %d\n%s", resp.StatusCode, page)
			}
			resp, _ = post(t, c, ts.URL+"/console/login", url.Values{"csrf": {token}, "token": {integrator.token}, "next": {"/console/offer/DE/local/business"}})
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/offer/DE/local/business" {
				t.Fatalf("sign-in: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			ck := visitorCookie(t, resp)
			if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != tls || ck.Path != "/console/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Secure=%v, Path=/console/", ck, tls)
			}
			if before != nil && ck.Value == before.Value {
				t.Error("the session kept the id the visitor had before signing in")
			}
			resp, page = get(t, c, ts.URL+"/console/offer/DE/local/business")
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="principal">integrator<`) {
				t.Fatalf("a page in the session: HTTP %d", resp.StatusCode)
			}
			resp, _ = post(t, c, ts.URL+"/console/logout", url.Values{"csrf": {csrf(t, page)}})
			if resp.StatusCode != http.StatusSeeOther {
				t.Errorf("sign-out: HTTP %d", resp.StatusCode)
			}
			if resp, _ = get(t, c, ts.URL+"/console/"); resp.StatusCode != http.StatusSeeOther {
				t.Errorf("after sign-out: HTTP %d, want the sign-in page", resp.StatusCode)
			}
		})
	}
}

func visitorCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	for _, ck := range resp.Cookies() {
		if ck.Name == "numgate_console" {
			return ck
		}
	}
	return nil
}

// TestFormsNeedTheirCSRFToken: a POST without the visitor's CSRF token changes nothing.
func TestFormsNeedTheirCSRFToken(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.client(t)
	_, page := get(t, c, ts.URL+"/console/policy")
	token := csrf(t, page)
	for _, target := range []string{"/console/policy/reload", "/console/language", "/console/decide/contact-verification"} {
		for _, bad := range []string{"", "forged", token + "x"} {
			if resp, _ := post(t, c, ts.URL+target, url.Values{"csrf": {bad}, "lang": {"de"}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token %q: HTTP %d, want 403", target, bad, resp.StatusCode)
			}
		}
	}
	// Another visitor's token is no good either.
	if resp, _ := post(t, ts.client(t), ts.URL+"/console/policy/reload", url.Values{"csrf": {token}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another visitor's token: HTTP %d, want 403", resp.StatusCode)
	}
	resp, _ := post(t, c, ts.URL+"/console/policy/reload", url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/policy?reload=ok" {
		t.Errorf("reload with the token: HTTP %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestPlaygroundWithoutScript: the playground's form posts and the server renders the
// decision, each message at the input its pointer names, documents numbered as the form
// numbers them even when earlier groups are left empty.
func TestPlaygroundWithoutScript(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.client(t)
	target := ts.URL + "/console/decide/activation?country=DE&type=local&use=business&number=%2B4930901820"
	_, page := get(t, c, target)
	if !strings.Contains(page, `data-status="incomplete"`) {
		t.Fatalf("the empty form is not incomplete:\n%s", page)
	}
	form := url.Values{"csrf": {csrf(t, page)},
		"/number/e164": {"+4930901820"}, "/number/type": {"local"}, "/number/country": {"DE"}, "/identity/use": {"business"},
		// Only the third document group (the tax registration) is filled, with a type it
		// does not accept and a date that is no date.
		"/identity/documents/2/id": {"d3"}, "/identity/documents/2/type": {"trade_license"},
		"/identity/documents/2/kind": {"tax_registration"}, "/identity/documents/2/issued_on": {"2026-02-30"},
	}
	_, page = post(t, c, target, form)
	if want := `id="f-identity-documents-2-issued_on-msg" data-live><p class="msg bad"><code>invalid_value</code>`; !strings.Contains(page, want) {
		t.Errorf("the bad date's problem is not at its input (%s):\n%s", want, page)
	}
	form.Set("/identity/documents/2/issued_on", "2026-10-15")
	_, page = post(t, c, target, form)
	if want := `id="f-identity-documents-2-type-msg" data-live><p class="msg bad"><code>document_type_not_accepted</code>`; !strings.Contains(page, want) {
		t.Errorf("the type's problem is not at the third group's type (%s):\n%s", want, page)
	}
	fields := map[string]string{
		"company_name": "Analytical Engines Ltd", "company_registration_number": "HRB 12345", "representative_first_name": "Charles",
		"representative_last_name": "Babbage", "representative_email": "charles@example.com", "website": "https://example.com",
	}
	for k, v := range fields {
		form.Set("/identity/fields/"+k, v)
	}
	for k, v := range map[string]string{"street": "1 Example Street", "city": "Berlin", "postal_code": "10117", "country": "DE"} {
		form.Set("/identity/address/"+k, v)
	}
	for i, kind := range []string{"proof_of_address", "business_registration", "tax_registration"} {
		p := "/identity/documents/" + string(rune('0'+i))
		form.Set(p+"/id", "d"+string(rune('1'+i)))
		form.Set(p+"/type", "commercial_register_extract")
		form.Set(p+"/kind", kind)
		form.Set(p+"/issued_on", "2026-10-15")
	}
	form.Set("/identity/verification/status", "not_started")
	_, page = post(t, c, target, form)
	if !strings.Contains(page, `data-status="ready_for_review"`) {
		t.Errorf("the complete form is not ready for review:\n%s", page)
	}
	if !strings.Contains(page, "curl -sS -X POST &#39;"+ts.URL+"/v1/decisions/activation&#39;") || !strings.Contains(page, "&#34;company_name&#34;: &#34;Analytical Engines Ltd&#34;") {
		t.Errorf("the request is not shown as JSON and curl:\n%s", page)
	}
	// A group added by hand is the fourth document.
	form.Set("add_document", "1")
	if _, page = post(t, c, target, form); !strings.Contains(page, `id="f-identity-documents-3"`) || !strings.Contains(page, `name="extra_documents" value="1"`) {
		t.Error("Add a document added no group")
	}
}

// TestOtherPlaygrounds: the account-action and contact-verification forms are made from
// their request schemas (and the account data), and their decisions' messages sit at
// their inputs.
func TestOtherPlaygrounds(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.client(t)
	_, page := get(t, c, ts.URL+"/console/decide/account-action")
	for _, want := range []string{`name="/account/details/full_name"`, `<option value="purchase_number" selected>`, `name="/account/two_factor/methods"`,
		`id="f-account-details-full_name-msg" data-live><p class="msg bad"><code>account_details_incomplete</code>`} {
		if !strings.Contains(page, want) {
			t.Errorf("account action: no %s", want)
		}
	}
	// A number typed with its digits grouped makes the offer's form, as +4930901820 does.
	_, page = get(t, c, ts.URL+"/console/decide/activation?"+url.Values{"number": {"+49 (30) 901-820"}, "use": {"business"}}.Encode())
	if !strings.Contains(page, `name="/identity/fields/company_name"`) || strings.Contains(page, "number_not_e164") {
		t.Errorf("a number typed with spaces and punctuation did not make the DE local business form:\n%s", page)
	}
	_, page = get(t, c, ts.URL+"/console/decide/contact-verification")
	token := csrf(t, page)
	_, page = post(t, c, ts.URL+"/console/decide/contact-verification", url.Values{"csrf": {token}, "/channel": {"sms"}, "/phone": {"+49 30 901820 ext. 12"}})
	if want := `id="f-phone-msg" data-live><p class="msg bad"><code>phone_has_extension</code>`; !strings.Contains(page, want) {
		t.Errorf("contact verification: the phone's problem is not at it (%s):\n%s", want, page)
	}
	_, page = post(t, c, ts.URL+"/console/decide/contact-verification", url.Values{"csrf": {token}, "/channel": {"sms"}, "/phone": {"+447700900123"}})
	if !strings.Contains(page, `data-status="refused"`) || !strings.Contains(page, "phone_reserved_for_fiction") {
		t.Errorf("contact verification of a drama number:\n%s", page)
	}
}

// TestOfferShowsWhatAFormNeeds: the offer page shows the requirements with their
// details, the sources with their read dates, and a dated change before it begins.
func TestOfferShowsWhatAFormNeeds(t *testing.T) {
	ts := startServer(t, serverOptions{})
	change, err := os.ReadFile("../../testdata/edits/us-local-dated-change.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ts.edit(t, "countries/US.yaml", "    business: *us-local\n", string(change))
	c := ts.client(t)
	_, page := get(t, c, ts.URL+"/console/policy")
	if resp, _ := post(t, c, ts.URL+"/console/policy/reload", url.Values{"csrf": {csrf(t, page)}}); resp.Header.Get("Location") != "/console/policy?reload=ok" {
		t.Fatalf("the dated change does not load: %s", resp.Header.Get("Location"))
	}
	_, page = get(t, c, ts.URL+"/console/offer/US/local/personal")
	for _, want := range []string{`<time datetime="2027-01-01">2027-01-01</time>`, "Local numbers need the holder&#39;s names.", "(read 20"} {
		if !strings.Contains(page, want) {
			t.Errorf("US local personal: no %q", want)
		}
	}
	// The day the offer is shown for goes with it to the playground, as the decision time.
	_, page = get(t, c, ts.URL+"/console/offer/US/local/personal?at=2027-06-01")
	if !strings.Contains(page, `href="/console/decide/activation?at=2027-06-01&amp;country=US&amp;type=local&amp;use=personal"`) {
		t.Errorf("the offer for 2027-06-01 does not take its day to the playground")
	}
	_, page = get(t, c, ts.URL+"/console/decide/activation?at=2027-06-01&country=US&type=local&use=personal")
	if !strings.Contains(page, `value="2027-06-01T00:00"`) {
		t.Errorf("the playground for 2027-06-01 does not start its decision time there")
	}
	_, page = get(t, c, ts.URL+"/console/offer/DE/local/business")
	for _, want := range []string{"Commercial register extract <code>commercial_register_extract</code>", "scope local area: in the area the number&#39;s area code covers",
		"1 to 200 characters", `id="confidence">high<`, `<time datetime="2026-11-23">2026-11-23</time>`, "Zoom also accepts a utility bill"} {
		if !strings.Contains(page, want) {
			t.Errorf("DE local business: no %q", want)
		}
	}
	if resp, _ := get(t, c, ts.URL+"/console/offer/XX/local/business"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown country: HTTP %d", resp.StatusCode)
	}
}

// TestCoverageFilters: the matrix's filters keep exactly the countries GET /v1/coverage
// says match.
func TestCoverageFilters(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.client(t)
	_, raw := get(t, c, ts.URL+"/v1/coverage")
	var cov struct {
		Countries []struct {
			Country string
			Offers  []struct {
				NumberType string `json:"number_type"`
				Use        string
				Disputed   []string
				Confidence string
			}
		}
	}
	if err := json.Unmarshal([]byte(raw), &cov); err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile(`<tr data-country="([A-Z]{2})">`)
	tests := []struct {
		query string
		keep  func(country string, nt, use, confidence string, disputed bool) bool
	}{
		{"q=germany", func(c, _, _, _ string, _ bool) bool { return c == "DE" }},
		{"q=de", func(c, _, _, _ string, _ bool) bool { return c == "DE" }}, // a code: not Denmark and Sweden too
		{"disputed=1", func(_, _, _, _ string, d bool) bool { return d }},
		{"confidence=high&type=toll_free", func(_, nt, _, conf string, _ bool) bool { return conf == "high" && nt == "toll_free" }},
	}
	for _, tt := range tests {
		var want []string
		for _, row := range cov.Countries {
			for _, o := range row.Offers {
				if tt.keep(row.Country, o.NumberType, o.Use, o.Confidence, len(o.Disputed) > 0) {
					want = append(want, row.Country)
					break
				}
			}
		}
		_, page := get(t, c, ts.URL+"/console/?"+tt.query)
		var got []string
		for _, m := range rows.FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != strings.Join(want, " ") || len(want) == 0 {
			t.Errorf("%s: rows %v, want %v", tt.query, got, want)
		}
	}
}

// TestDecisionLogPages: the decisions the playground made are listed, filtered, and
// open as their masked records; a filter the API refuses is said on the page. The
// access log has one line for the console's request, with the decision it made.
func TestDecisionLogPages(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := ts.client(t)
	get(t, c, ts.URL+"/console/decide/activation?country=DE&type=local&use=business")
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) == nil && l["message"] == "request" {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || lines[0]["route"] != "/console/" || lines[0]["decision_kind"] != "activation" || lines[0]["decision_status"] != "incomplete" {
		t.Errorf("access log of one playground page: %v", lines)
	}
	_, page := get(t, c, ts.URL+"/console/decisions?kind=activation&status=incomplete&country=de")
	link := regexp.MustCompile(`href="(/console/decisions/[0-9a-f-]{36})"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("the playground's decision is not listed:\n%s", page)
	}
	if _, page = get(t, c, ts.URL+"/console/decisions?status=allowed&kind=activation"); !strings.Contains(page, "invalid_parameter") {
		t.Errorf("a status activation does not have is not refused:\n%s", page)
	}
	resp, page := get(t, c, ts.URL+link[1])
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Request, masked") || !strings.Contains(page, "[masked]") {
		t.Errorf("the record: HTTP %d\n%s", resp.StatusCode, page)
	}
}
