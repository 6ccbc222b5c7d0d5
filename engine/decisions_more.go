package engine

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"github.com/open-policy-agent/opa/v1/rego"
)

// AccountAction decides whether an account may do an action (purchase_number, ...): the
// setup steps the action needs, the open ones in order, and allow. body follows
// engine/schema/account-action.request.schema.json.
func (s *Snapshot) AccountAction(ctx context.Context, body []byte) (*AccountActionDecision, error) {
	var d AccountActionDecision
	enrich := func(req map[string]any) error {
		if a, _ := req["action"].(string); !slices.Contains(s.actions, a) {
			return invalid(Problem{Code: "unknown_action", Pointer: "/action",
				Message: fmt.Sprintf("action %q is not one of %v (policies/account/data.yaml)", a, s.actions)})
		}
		return nil
	}
	if err := s.decide(ctx, body, schemaAction, enrich, s.accountAction, &d); err != nil {
		return nil, err
	}
	d.DecisionID, d.PolicyRevision = s.newID(), s.Revision
	return &d, nil
}

// ContactVerification decides whether a one-time code may be sent to a phone or email
// now, and how. The phone is read as people type it (see normalizePhone) and its line
// type and any block reserved for fiction it is in are told to the policy; the
// account's current phone is read the same way, so the same number written differently
// is the same phone. A phone that is not one number a code can reach is refused with a
// precise code and its JSON Pointer. body follows
// engine/schema/contact-verification.request.schema.json.
func (s *Snapshot) ContactVerification(ctx context.Context, body []byte) (*ContactDecision, error) {
	var d ContactDecision
	if err := s.decide(ctx, body, schemaContactReq, s.enrichContact, s.contact, &d); err != nil {
		return nil, err
	}
	d.DecisionID, d.PolicyRevision = s.newID(), s.Revision
	return &d, nil
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
		if raw, ok := acc["phone"].(string); ok {
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

// contactCodesQuery lists the reasons a contact decision can give, most important first.
const contactCodesQuery = "data.numgate.contact_verification.check_order"

// ContactStatuses are the codes a contact verification decision can carry: ok, or one
// of the policy's reasons.
func (s *Snapshot) ContactStatuses() []string { return s.contactStatuses }

// readContactStatuses reads the policy's reason codes once per snapshot.
func (s *Snapshot) readContactStatuses(ctx context.Context) ([]string, error) {
	rs, err := rego.New(rego.Query(contactCodesQuery), rego.Compiler(s.compiler), rego.Store(s.store)).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", contactCodesQuery, err)
	}
	out := []string{"ok"}
	if len(rs) == 1 && len(rs[0].Expressions) == 1 {
		list, _ := rs[0].Expressions[0].Value.([]any)
		for _, c := range list {
			if code, ok := c.(string); ok {
				out = append(out, code)
			}
		}
	}
	return out, nil
}

// checkRegion refuses a default_region libphonenumber has no numbering plan for, naming
// the code meant where the mistake is a common one.
func checkRegion(region string) *Problem {
	if region == "" || phonenumbers.GetSupportedRegions()[region] {
		return nil
	}
	msg := fmt.Sprintf("default_region %q is not an ISO 3166-1 alpha-2 region with a telephone numbering plan, expected e.g. DE, GB or US", region)
	if meant, ok := commonRegionMistakes[region]; ok {
		msg = fmt.Sprintf("default_region %q is not an ISO 3166-1 code; %s", region, meant)
	}
	return &Problem{Code: "invalid_value", Pointer: "/default_region", Message: msg}
}

// commonRegionMistakes are codes people use for a country whose ISO 3166-1 code is
// another: the United Kingdom's domain and the EU's abbreviation for Greece.
var commonRegionMistakes = map[string]string{
	"UK": "the United Kingdom's code is GB",
	"EL": "Greece's code is GR",
	"EN": "for England (and the rest of the United Kingdom) use GB",
}

// normalizeEmail accepts one bare address and lower-cases its domain.
func normalizeEmail(raw string) (string, *Problem) {
	s := strings.TrimSpace(raw)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", &Problem{Code: "email_invalid", Pointer: "/email", Message: fmt.Sprintf("%q is not an email address; write one address such as name@example.com", raw)}
	}
	local, domain, _ := strings.Cut(a.Address, "@")
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", &Problem{Code: "email_invalid", Pointer: "/email", Message: fmt.Sprintf("the domain %q of the email address is not a full domain such as example.com", domain)}
	}
	return local + "@" + strings.ToLower(domain), nil
}
