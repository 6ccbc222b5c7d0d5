package engine

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"
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
// now, and how. The phone is normalised to E.164 here (spaces, hyphens, brackets, a trunk
// 0 after the country code, a default region when no + is given) and its line type
// read; a phone that is not a valid number is refused with a precise code. body follows
// engine/schema/contact-verification.request.schema.json.
func (s *Snapshot) ContactVerification(ctx context.Context, body []byte) (*ContactDecision, error) {
	var d ContactDecision
	enrich := func(req map[string]any) error {
		var contact map[string]any
		switch req["channel"] {
		case "email":
			addr, prob := normalizeEmail(req["email"].(string))
			if prob != nil {
				return invalid(*prob)
			}
			contact = map[string]any{"kind": "email", "address": addr}
		default:
			region, _ := req["default_region"].(string)
			f, prob := normalizePhone(req["phone"].(string), region)
			if prob != nil {
				return invalid(*prob)
			}
			contact = map[string]any{"kind": "phone", "e164": f.E164, "country": f.Country, "line_type": f.LineType}
		}
		req["contact"] = contact
		return nil
	}
	if err := s.decide(ctx, body, schemaContactReq, enrich, s.contact, &d); err != nil {
		return nil, err
	}
	d.DecisionID, d.PolicyRevision = s.newID(), s.Revision
	return &d, nil
}

// normalizePhone reads a phone as people write it. Each refusal says what is wrong.
func normalizePhone(raw, region string) (numberFacts, *Problem) {
	bad := func(code, msg string) (numberFacts, *Problem) {
		return numberFacts{}, &Problem{Code: code, Pointer: "/phone", Message: msg}
	}
	p, err := phonenumbers.Parse(raw, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && !strings.Contains(raw, "+") && region == "":
		return bad("phone_region_unknown", "the phone has no country code: write it with + and the country code, or give default_region")
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return bad("phone_invalid_country_code", "the phone's country code is not assigned to any country; check the digits after +")
	case errors.Is(err, phonenumbers.ErrNotANumber):
		return bad("phone_not_a_number", "the phone is not a number; use digits, with spaces, hyphens or brackets if you like")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return bad("phone_too_short", "the phone has too few digits to be a number")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return bad("phone_too_long", "the phone has too many digits to be a number")
	case err != nil:
		return bad("phone_not_a_number", "the phone cannot be read as a number: "+err.Error())
	}
	cc := "+" + fmt.Sprint(p.GetCountryCode())
	switch phonenumbers.IsPossibleNumberWithReason(p) {
	case phonenumbers.TOO_SHORT, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return bad("phone_too_short", "the phone has too few digits for a "+cc+" number")
	case phonenumbers.TOO_LONG:
		return bad("phone_too_long", "the phone has too many digits for a "+cc+" number")
	case phonenumbers.INVALID_LENGTH:
		return bad("phone_invalid_length", "no "+cc+" number has this many digits")
	case phonenumbers.INVALID_COUNTRY_CODE:
		return bad("phone_invalid_country_code", "the phone's country code is not assigned to any country")
	}
	if !phonenumbers.IsValidNumber(p) {
		return bad("phone_invalid", "the phone is not in any range assigned for "+cc+"; check the digits")
	}
	return describeNumber(p, phonenumbers.GetRegionCodeForNumber(p)), nil
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
