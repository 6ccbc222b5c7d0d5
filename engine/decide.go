package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/numgate/numgate/engine/messages"
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
//
// Its messages are in English; DecideIn answers in another language.
func (s *Snapshot) Decide(ctx context.Context, kind Kind, body []byte) (Decision, error) {
	return s.DecideIn(ctx, English, kind, body)
}

// DecideIn is Decide with the messages in a language of the catalogue (a code that
// Language chose; one the catalogue does not have is English).
func (s *Snapshot) DecideIn(ctx context.Context, lang string, kind Kind, body []byte) (Decision, error) {
	if _, ok := kinds[kind]; !ok {
		return nil, fmt.Errorf("decision kind %q is not one of %v", kind, Kinds)
	}
	req, err := s.policyInput(kind, body)
	if err != nil {
		return nil, s.localize(err, lang)
	}
	input, err := ast.InterfaceToValue(req)
	if err != nil {
		return nil, fmt.Errorf("building the policy input: %w", err)
	}
	res, err := s.eval(ctx, *s.decisions[kind], input)
	if err != nil {
		return nil, err
	}
	d, err := s.answer(kind, res, s.languageIndex(lang), nil)
	if err != nil {
		return nil, err
	}
	h := d.Head()
	h.DecisionID, h.PolicyRevision = s.newID(), s.Revision
	return d, nil
}

// Answer types a decision policy's result (data.numgate.<kind>.decision, as numgate or
// a stock OPA serving numgate's bundle evaluates it: codes, and messages as ids with
// parameters) and renders its messages in a language. The answer has no decision id or
// revision; Decide gives them.
func (s *Snapshot) Answer(kind Kind, result any, lang string) (Decision, error) {
	return s.answer(kind, result, s.languageIndex(lang), nil)
}

// answer types a decision's result and renders its messages, recording in probs (when
// not nil) what could not be rendered in the language.
func (s *Snapshot) answer(kind Kind, result any, lang int, probs *messages.Problems) (Decision, error) {
	spec, ok := kinds[kind]
	if !ok {
		return nil, fmt.Errorf("decision kind %q is not one of %v", kind, Kinds)
	}
	d := spec.answer()
	if err := typeResult(result, d, s.renderer(lang, probs)); err != nil {
		return nil, fmt.Errorf("reading the %s decision: %w", kind, err)
	}
	d.Head().Language = s.catalogue.Code(lang)
	return d, nil
}

// PolicyInput is the input a decision's policy evaluates for a request: the request with
// what the engine reads from it and the decision time. Given to a stock OPA
// (data.numgate.<kind>.decision), it decides the same.
func (s *Snapshot) PolicyInput(kind Kind, body []byte) (map[string]any, error) {
	req, err := s.policyInput(kind, body)
	return req, s.localize(err, English)
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
	if err := sentBeforeDecision(req); err != nil {
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
	// StaleAfterDays overrides the policy data's threshold for stale facts (0: keep it).
	StaleAfterDays int `json:"stale_after_days,omitempty"`
	// Language is the language of the messages (a code Language chose); English when
	// empty or not in the catalogue.
	Language string `json:"language,omitempty"`
}

// Requirements says what must be provided for one country, number type and use. An
// unknown country is ErrUnknownCountry; a number type or use outside the vocabulary is
// ErrInvalidInput. A valid combination the country does not offer is not an error: the
// answer says it is not available, and why.
func (s *Snapshot) Requirements(ctx context.Context, q RequirementsQuery) (*Requirements, error) {
	r, err := s.requirementsIn(ctx, q, nil)
	return r, s.localize(err, q.Language)
}

func (s *Snapshot) requirementsIn(ctx context.Context, q RequirementsQuery, probs *messages.Problems) (*Requirements, error) {
	var ps []Problem
	if !slices.Contains(NumberTypes, q.NumberType) {
		ps = append(ps, problem("unknown_number_type", "/number_type", "input.unknown_number_type", map[string]any{"number_type": quoted(q.NumberType), "number_types": fmt.Sprint(NumberTypes)}))
	}
	if !slices.Contains(Uses, q.Use) {
		ps = append(ps, problem("unknown_use", "/use", "input.unknown_use", map[string]any{"use": quoted(q.Use), "uses": fmt.Sprint(Uses)}))
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
	if q.StaleAfterDays > 0 {
		input.Insert(ast.StringTerm("stale_after_days"), ast.IntNumberTerm(q.StaleAfterDays))
	}
	v, err := s.eval(ctx, s.requirements, input)
	if err != nil {
		return nil, err
	}
	var out Requirements
	lang := s.languageIndex(q.Language)
	if err := typeResult(v, &out, s.renderer(lang, probs)); err != nil {
		return nil, fmt.Errorf("reading the requirements decision: %w", err)
	}
	out.Language = s.catalogue.Code(lang)
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
	Language   string // as in RequirementsQuery
}

// NumberRequirements answers "what must be provided for this number?": the number as
// read, and the requirements for every configured country and number type it can be.
type NumberRequirements struct {
	DecisionID     string         `json:"decision_id"`
	PolicyRevision string         `json:"policy_revision"`
	Language       string         `json:"language"` // the messages' language
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
	r, err := s.requirementsForNumber(ctx, q)
	return r, s.localize(err, q.Language)
}

func (s *Snapshot) requirementsForNumber(ctx context.Context, q NumberQuery) (*NumberRequirements, error) {
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
			return nil, invalid(problem("country_mismatch", "/country", "input.country_mismatch",
				map[string]any{"country": q.Country, "number": info.E164, "countries": strings.Join(countries, ", ")}))
		}
		countries = []string{q.Country}
	}
	types := info.NumberTypes
	if q.NumberType != "" {
		if err := checkNumberType(q.NumberType, "/type", p, facts); err != nil {
			return nil, err
		}
		types = []string{q.NumberType}
	}
	if len(types) == 0 {
		return nil, invalid(problem("number_type_required", "/type", "input.number_type_required", map[string]any{"number": info.E164, "line_type": info.LineType}))
	}
	out := &NumberRequirements{Number: info, Candidates: []Requirements{}}
	for _, c := range countries {
		if _, ok := s.countries[c]; !ok {
			continue
		}
		for _, t := range types {
			r, err := s.Requirements(ctx, RequirementsQuery{Country: c, NumberType: t, Use: q.Use, At: q.At, Language: q.Language})
			if err != nil {
				return nil, err
			}
			r.DecisionID, r.PolicyRevision, r.Language = "", "", ""
			out.Candidates = append(out.Candidates, *r)
		}
	}
	if len(out.Candidates) == 0 {
		return nil, s.unknownCountry("/number", strings.Join(countries, ", "))
	}
	out.DecisionID, out.PolicyRevision = s.newID(), s.Revision
	out.Language = s.catalogue.Code(s.languageIndex(q.Language))
	return out, nil
}
