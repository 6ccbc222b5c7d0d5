package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The engine's entry points: Decide for the decisions (activation, account action,
// contact verification), Requirements and RequirementsForNumber for what an offer
// demands. Each reads its request, lets Go add what it reads better than Rego (the
// number's country and area, a phone as typed, the decision time), evaluates the
// prepared policy and types the answer.

// Decide makes a decision of a kind on a JSON request (the body of
// POST /v1/decisions/{kind}, as engine/schema/*.request.schema.json describes it). A
// request the caller must fix is an *InputError listing every problem with its JSON
// Pointer.
func (s *Snapshot) Decide(ctx context.Context, kind Kind, body []byte) (Decision, error) {
	spec, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("decision kind %q is not one of %v", kind, Kinds)
	}
	req, err := s.policyInput(kind, body)
	if err != nil {
		return nil, err
	}
	input, err := ast.InterfaceToValue(req)
	if err != nil {
		return nil, fmt.Errorf("building the policy input: %w", err)
	}
	res, err := s.eval(ctx, *s.decisions[kind], input)
	if err != nil {
		return nil, err
	}
	d := spec.answer()
	if err := typeResult(res, d); err != nil {
		return nil, fmt.Errorf("reading the %s decision: %w", kind, err)
	}
	h := d.Head()
	h.DecisionID, h.PolicyRevision = s.newID(), s.Revision
	return d, nil
}

// PolicyInput is the input a decision's policy evaluates for a request: the request with
// what the engine reads from it and the decision time. Given to a stock OPA
// (data.numgate.<kind>.decision), it decides the same.
func (s *Snapshot) PolicyInput(kind Kind, body []byte) (map[string]any, error) {
	return s.policyInput(kind, body)
}

func (s *Snapshot) policyInput(kind Kind, body []byte) (map[string]any, error) {
	spec, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("decision kind %q is not one of %v", kind, Kinds)
	}
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if err := s.checkSchema(spec.schema, v); err != nil {
		return nil, err
	}
	req := v.(map[string]any) // the schema guarantees an object
	if err := spec.enrich(s, req); err != nil {
		return nil, err
	}
	if _, ok := req["at"]; !ok {
		req["at"] = s.clock().UTC().Format(time.RFC3339)
	}
	if err := canonicalTimes(req, []string{"at"}, []string{"verification", "sent_at"}); err != nil {
		return nil, err
	}
	return req, nil
}

// RequirementsQuery names one offer.
type RequirementsQuery struct {
	Country    string    `json:"country"`
	NumberType string    `json:"number_type"`
	Use        string    `json:"use"`
	At         time.Time `json:"at,omitempty"` // the date whose rules apply; zero: now
}

// Requirements says what must be provided for one country, number type and use. An
// unknown country is ErrUnknownCountry; a number type or use outside the vocabulary is
// ErrInvalidInput. A valid combination the country does not offer is not an error: the
// answer says it is not available, and why.
func (s *Snapshot) Requirements(ctx context.Context, q RequirementsQuery) (*Requirements, error) {
	var ps []Problem
	if !slices.Contains(NumberTypes, q.NumberType) {
		ps = append(ps, Problem{Code: "unknown_number_type", Pointer: "/number_type", Message: fmt.Sprintf("number type %q is not one of %v", q.NumberType, NumberTypes)})
	}
	if !slices.Contains(Uses, q.Use) {
		ps = append(ps, Problem{Code: "unknown_use", Pointer: "/use", Message: fmt.Sprintf("use %q is not one of %v", q.Use, Uses)})
	}
	if len(ps) > 0 {
		return nil, invalid(ps...)
	}
	if _, ok := s.countries[q.Country]; !ok {
		return nil, s.unknownCountry("/country", q.Country)
	}
	at := s.clock()
	if !q.At.IsZero() {
		at = q.At
	}
	input := ast.NewObject(
		ast.Item(ast.StringTerm("country"), ast.StringTerm(q.Country)),
		ast.Item(ast.StringTerm("number_type"), ast.StringTerm(q.NumberType)),
		ast.Item(ast.StringTerm("use"), ast.StringTerm(q.Use)),
		ast.Item(ast.StringTerm("at"), ast.StringTerm(at.UTC().Format(time.RFC3339))),
	)
	v, err := s.eval(ctx, s.requirements, input)
	if err != nil {
		return nil, err
	}
	var out Requirements
	if err := typeResult(v, &out); err != nil {
		return nil, fmt.Errorf("reading the requirements decision: %w", err)
	}
	out.DecisionID = s.newID()
	out.PolicyRevision = s.Revision
	return &out, nil
}

// NumberInfo is what the engine reads from a number alone: the countries it can belong
// to (more than one where a calling code is shared, main region first) and the number
// types its line type can be (local or mobile for a NANP number, whose line type
// libphonenumber cannot tell).
type NumberInfo struct {
	E164        string   `json:"e164"`
	LineType    string   `json:"line_type"`
	AreaCode    string   `json:"area_code,omitempty"`
	Countries   []string `json:"countries"`
	NumberTypes []string `json:"number_types"`
}

// NumberQuery asks what must be provided for a number: its country and type come from
// the number unless Country or NumberType narrow them.
type NumberQuery struct {
	E164       string
	Country    string // optional: one of the countries the number can belong to
	NumberType string // optional: the number type when the line type cannot tell it
	Use        string
	At         time.Time
}

// NumberRequirements answers "what must be provided for this number?": the number as
// read, and the requirements for every configured country and number type it can be.
type NumberRequirements struct {
	DecisionID     string         `json:"decision_id"`
	PolicyRevision string         `json:"policy_revision"`
	Number         NumberInfo     `json:"number"`
	Candidates     []Requirements `json:"candidates"`
}

// numberTypesOfLine maps libphonenumber's line types onto the product's number types.
// A fixed line with a geographic area code is local, one without is national; a NANP
// number that may be fixed or mobile is either local (or national) or mobile.
func numberTypesOfLine(lineType, areaCode string) []string {
	fixed := "national"
	if areaCode != "" {
		fixed = "local"
	}
	switch lineType {
	case "fixed_line":
		return []string{fixed}
	case "fixed_line_or_mobile":
		return []string{fixed, "mobile"}
	case "mobile":
		return []string{"mobile"}
	case "toll_free":
		return []string{"toll_free"}
	case "voip", "uan", "personal_number", "shared_cost":
		return []string{"national"}
	}
	return nil
}

// RequirementsForNumber says what must be provided for a number, for every configured
// country and number type it can be; Country and NumberType narrow the candidates.
func (s *Snapshot) RequirementsForNumber(ctx context.Context, q NumberQuery) (*NumberRequirements, error) {
	p, prob := parseE164(q.E164)
	if prob != nil {
		prob.Pointer = "/number"
		return nil, invalid(*prob)
	}
	facts := describeNumber(p, p.region)
	info := NumberInfo{E164: facts.E164, LineType: facts.LineType, AreaCode: facts.AreaCode,
		Countries: p.regions(), NumberTypes: nonNil(numberTypesOfLine(facts.LineType, facts.AreaCode))}
	countries := info.Countries
	if q.Country != "" {
		if !slices.Contains(countries, q.Country) {
			return nil, invalid(Problem{Code: "country_mismatch", Pointer: "/country",
				Message: fmt.Sprintf("country %s contradicts the number %s, which can only belong to %s; send one of them or leave country out", q.Country, info.E164, strings.Join(countries, ", "))})
		}
		countries = []string{q.Country}
	}
	types := info.NumberTypes
	if q.NumberType != "" {
		types = []string{q.NumberType}
	}
	if len(types) == 0 {
		return nil, invalid(Problem{Code: "number_type_unknown", Pointer: "/type",
			Message: fmt.Sprintf("cannot tell the number type of %s (line type %s); give type=local|national|mobile|toll_free", info.E164, info.LineType)})
	}
	out := &NumberRequirements{Number: info, Candidates: []Requirements{}}
	for _, c := range countries {
		if _, ok := s.countries[c]; !ok {
			continue
		}
		for _, t := range types {
			r, err := s.Requirements(ctx, RequirementsQuery{Country: c, NumberType: t, Use: q.Use, At: q.At})
			if err != nil {
				return nil, err
			}
			r.DecisionID, r.PolicyRevision = "", ""
			out.Candidates = append(out.Candidates, *r)
		}
	}
	if len(out.Candidates) == 0 {
		return nil, s.unknownCountry("/number", strings.Join(countries, ", "))
	}
	out.DecisionID, out.PolicyRevision = s.newID(), s.Revision
	return out, nil
}
