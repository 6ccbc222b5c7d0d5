package engine

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
)

// What Go reads from a request before the policy decides: the number's country and area
// (activation), that the action exists (account action), the phone as people type it
// (contact verification). Each refuses what it cannot read with a precise Problem.

// enrichActivation reads the number: the country it belongs to (the caller's choice
// among the regions of a shared numbering plan), area code, line type and area; checks
// the documents' kinds against the catalogue; and reads the address as the area check
// compares it.
func (s *Snapshot) enrichActivation(req map[string]any) error {
	num := req["number"].(map[string]any) // the schema guarantees it
	p, prob := parseE164(num["e164"].(string))
	if prob != nil {
		prob.Pointer = "/number/e164"
		return invalid(*prob)
	}
	region, err := s.regionFor(p, num, "/number")
	if err != nil {
		return err
	}
	c := s.countries[region]
	if country := stringAt(req, "identity", "address", "country"); CountryMeant(country) != "" {
		// Decided as written, an address in "UK" is outside a GB number's country.
		return invalid(problem("invalid_value", "/identity/address/country", "input.country_code_mistaken",
			map[string]any{"country": quoted(country), "meant": CountryMeant(country)}))
	}
	if err := s.checkDocumentKinds(req); err != nil {
		return err
	}
	facts := describeNumber(p, region)
	if err := checkNumberType(stringAt(num, "type"), "/number/type", p, facts); err != nil {
		return err
	}
	given, hasGiven := num["area_code"].(string)
	code, prob := areaCode(p.nsn, facts.AreaCode, given, hasGiven)
	if prob != nil {
		return invalid(*prob)
	}
	num["e164"] = facts.E164
	num["country"] = region
	num["line_type"] = facts.LineType
	// Naming the number's area costs geocoding lookups; only an address scope tied to the
	// area needs it.
	if c.needsArea(stringAt(num, "type"), stringAt(req, "identity", "use")) {
		num["area"] = areaOf(p.p, code, region, c).value()
		req["address_keys"] = addressKeys(req)
	} else {
		num["area"] = map[string]any{"code": code, "names": []any{}, "keys": []any{}, "postal_codes": []any{}, "verifiable": false}
	}
	if code == "" {
		delete(num["area"].(map[string]any), "code")
	}
	return nil
}

// checkNumberType refuses a number type the number cannot be: the rules of one type
// must not be had for a number of another (a geographic number decided as national or
// toll-free escapes the address-in-area rules). A type the line type cannot tell is
// taken as given.
func checkNumberType(given, pointer string, p numberReading, facts numberFacts) error {
	types := numberTypesOfLine(facts.LineType, facts.AreaCode)
	if len(types) == 0 || slices.Contains(types, given) {
		return nil
	}
	fixed := facts.LineType == "fixed_line" || facts.LineType == "fixed_line_or_mobile"
	switch {
	case fixed && given == "local" && facts.AreaCode == "":
		return nil // an area code libphonenumber does not know; number.area_code may give it
	case fixed && given == "national" && !geographic(p, facts.Country):
		return nil // libphonenumber gives area codes to non-geographic fixed lines too (Germany's 032)
	case slices.Contains(types, "national") && given == "local":
		return nil // a VoIP or UAN range some countries sell as local numbers (Singapore's 3)
	}
	return invalid(problem("number_type_mismatch", pointer, "input.number_type_mismatch",
		map[string]any{"number": facts.E164, "number_type": given, "line_type": facts.LineType, "number_types": strings.Join(types, ", ")}))
}

// geographic says whether libphonenumber's geocoder names the place of a number, not
// only its country.
func geographic(p numberReading, region string) bool {
	name, err := phonenumbers.GetGeocodingForNumber(p.p, "en")
	if err != nil || name == "" {
		return false
	}
	reg, err := language.ParseRegion(region)
	return err != nil || name != display.Regions(language.English).Name(reg)
}

// regionFor says which configured country a valid number is decided for: the caller's
// number.country when the number can belong to it (a shared calling code, such as +1
// for the United States, Canada and the Caribbean, or +44 for the United Kingdom and
// the Crown Dependencies), else the number's main region.
func (s *Snapshot) regionFor(p numberReading, num map[string]any, ptr string) (string, error) {
	region := p.region
	if given, ok := num["country"].(string); ok {
		// Whether the number can belong to the country given is asked of that country
		// alone: every region of +1 would be two dozen numbering plans to match.
		if given != p.region && !(slices.Contains(phonenumbers.GetRegionCodesForCountryCode(int(p.p.GetCountryCode())), given) && p.validFor(given, phonenumbers.UNKNOWN)) {
			return "", invalid(problem("country_mismatch", ptr+"/country", "input.country_mismatch",
				map[string]any{"country": given, "number": phonenumbers.Format(p.p, phonenumbers.E164), "countries": strings.Join(p.regions(), ", ")}))
		}
		region = given
	}
	if _, ok := s.countries[region]; !ok {
		return "", s.unknownCountry(ptr+"/e164", region)
	}
	return region, nil
}

// checkDocumentKinds refuses a document kind the catalogue does not define: such a
// document could serve no requirement, and the caller would not learn why.
func (s *Snapshot) checkDocumentKinds(req map[string]any) error {
	docs, _ := asMap(req["identity"])["documents"].([]any)
	var ps []Problem
	for i, d := range docs {
		if k, ok := asMap(d)["kind"].(string); ok && !slices.Contains(s.documentKinds, k) {
			ps = append(ps, problem("invalid_value", fmt.Sprintf("/identity/documents/%d/kind", i), "input.document_kind_unknown",
				map[string]any{"kind": quoted(k), "kinds": strings.Join(s.documentKinds, ", ")}))
		}
	}
	if len(ps) > 0 {
		return invalid(ps...)
	}
	return nil
}

// enrichAccountAction refuses an action the policy data does not define.
func (s *Snapshot) enrichAccountAction(req map[string]any) error {
	if a, _ := req["action"].(string); !slices.Contains(s.actions, a) {
		return invalid(problem("unknown_action", "/action", "input.unknown_action", map[string]any{"action": quoted(a), "actions": fmt.Sprint(s.actions)}))
	}
	return nil
}

// enrichContact reads the contact (and the account's phone) into what the policy
// decides on, reporting every problem at once.
func (s *Snapshot) enrichContact(req map[string]any) error {
	var problems []Problem
	region, _ := req["default_region"].(string)
	if prob := checkRegion(region); prob != nil {
		problems = append(problems, *prob)
		region = ""
	}
	letters, _ := req["allow_letters"].(bool)
	channel, _ := req["channel"].(string)
	read := func(raw, ptr string) (numberFacts, bool) {
		f, prob := normalizePhone(raw, phoneReading{pointer: ptr, region: region, allowLetters: letters, channel: channel, fiction: s.fiction})
		if prob != nil {
			problems = append(problems, *prob)
		}
		return f, prob == nil
	}
	switch channel {
	case "email":
		addr, prob := normalizeEmail(req["email"].(string))
		if prob != nil {
			problems = append(problems, *prob)
		}
		req["contact"] = map[string]any{"kind": "email", "address": addr}
	default:
		if f, ok := read(req["phone"].(string), "/phone"); ok {
			contact := map[string]any{"kind": "phone", "e164": f.E164, "country": f.Country, "line_type": f.LineType}
			if f.Fiction != nil {
				contact["fiction"] = f.Fiction.policyValue()
			}
			req["contact"] = contact
		}
	}
	if acc, ok := req["account"].(map[string]any); ok {
		if raw, ok := acc["phone"].(string); ok && strings.TrimSpace(raw) == "" {
			delete(acc, "phone") // forms send "" for an account without a phone
		} else if ok {
			if f, ok := read(raw, "/account/phone"); ok {
				acc["phone"] = f.E164
			}
		}
	}
	if len(problems) > 0 {
		return invalid(problems...)
	}
	return nil
}

// checkRegion refuses a default_region libphonenumber has no numbering plan for, naming
// the code meant where the mistake is a common one.
func checkRegion(region string) *Problem {
	if region == "" || phonenumbers.GetSupportedRegions()[region] {
		return nil
	}
	if meant, ok := commonRegionMistakes[region]; ok {
		p := problem("invalid_value", "/default_region", "input.default_region_mistaken", map[string]any{"region": quoted(region), "code": region, "meant": meant})
		return &p
	}
	p := problem("invalid_value", "/default_region", "input.default_region_unknown", map[string]any{"region": quoted(region)})
	return &p
}

// commonRegionMistakes are codes people use for a country whose ISO 3166-1 code is
// another (the United Kingdom's domain and the EU's abbreviation for Greece), with the
// code meant: the message input.default_region_mistaken's parameter.
var commonRegionMistakes = map[string]string{"UK": "GB", "EL": "GR", "EN": "GB"}

// CountryMeant is the ISO 3166-1 code meant by a common mistake for one (UK for GB, EL
// for GR), or "".
func CountryMeant(code string) string { return commonRegionMistakes[strings.ToUpper(code)] }

// normalizeEmail accepts one bare address and lower-cases its domain.
func normalizeEmail(raw string) (string, *Problem) {
	s := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		p := problem("email_invalid", "/email", "input.email_invalid", map[string]any{"email": quoted(raw)})
		return "", &p
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		p := problem("email_invalid", "/email", "input.email_domain_incomplete", map[string]any{"domain": quoted(domain)})
		return "", &p
	}
	return local + "@" + strings.ToLower(domain), nil
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// stringAt reads a string at a path of object keys in a decoded request ("" if absent).
func stringAt(v any, path ...string) string {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// canonicalTimes rewrites date-times the schema accepted (RFC 3339 allows a lower-case
// "t" and "z", and leap seconds) into the form the policies' time functions read: Go's
// RFC 3339, in UTC. One they cannot read is refused.
// clockSkew is how far a code's sent_at may lie after the decision time: the caller's
// and numgate's clocks differ by a little.
const clockSkew = time.Minute

// sentBeforeDecision refuses a last code sent after the decision time: the resend
// delay would be counted from the future (canonicalTimes has checked both times).
func sentBeforeDecision(req map[string]any) error {
	sent := stringAt(req, "verification", "sent_at")
	if sent == "" {
		return nil
	}
	at, _ := req["at"].(string)
	s, err1 := time.Parse(time.RFC3339Nano, sent)
	a, err2 := time.Parse(time.RFC3339Nano, at)
	if err1 != nil || err2 != nil || !s.After(a.Add(clockSkew)) {
		return nil
	}
	return invalid(problem("invalid_value", "/verification/sent_at", "input.sent_after_decision", map[string]any{"sent_at": sent, "at": at}))
}

func canonicalTimes(req map[string]any, paths ...[]string) error {
	for _, p := range paths {
		parent := req
		for _, k := range p[:len(p)-1] {
			next, ok := parent[k].(map[string]any)
			if !ok {
				parent = nil
				break
			}
			parent = next
		}
		if parent == nil {
			continue
		}
		key := p[len(p)-1]
		v, ok := parent[key].(string)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(v))
		if err != nil {
			return invalid(problem("invalid_value", pointer(p), "input.time_invalid", map[string]any{"time": quoted(v)}))
		}
		parent[key] = t.UTC().Format(time.RFC3339Nano)
	}
	return nil
}
