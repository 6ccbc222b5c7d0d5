package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/numgate/numgate/engine/planeval"
	"github.com/nyaruka/phonenumbers"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// Snapshot is one immutable, validated policy revision: compiled policies, country data
// and prepared queries. It is safe for concurrent use; a reload builds a new Snapshot.
type Snapshot struct {
	Revision string    // sha256 over every file it was built from
	LoadedAt time.Time // when it was built
	Files    []string  // the files it was built from, as named in diagnostics

	countries     map[string]countryData
	documentKinds []string // the catalogue's document kinds, sorted
	schemas       *schemas
	compiler      *ast.Compiler
	store         storage.Store
	clock         func() time.Time
	newID         func() string

	modules   map[string]*ast.Module // the parsed policies, as the planner needs them
	evaluator Evaluator              // as configured
	data      ast.Value              // the data document, for planned decisions
	plans     *planeval.Program      // the decisions' plans (evaluator.go); nil: none planned

	activation    decisionQuery
	requirements  decisionQuery
	accountAction decisionQuery
	contact       decisionQuery
	mask          rego.PreparedEvalQuery
	queries       queryCache // the Data API's, by path

	masks map[string][]*maskOp // the masking policy by decision kind, evaluated at load

	actions []string       // the account actions data.account defines
	fiction *fictionRanges // the phone numbers reserved for fiction (data.fiction)

	contactStatuses []string          // "ok" and the contact decision's reason codes
	rego            map[string][]byte // the policy modules' sources, by path in the tree
}

// defaults fills the clock and id source a Config left out.
func (s *Snapshot) defaults() {
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.newID == nil {
		s.newID = func() string { return uuid.Must(uuid.NewV7()).String() }
	}
}

// decisionQuery is the rule of one decision kind, prepared for OPA's evaluator and
// named by its plan entrypoint, with the evaluator that decides it (evaluator.go).
type decisionQuery struct {
	pq         rego.PreparedEvalQuery
	entrypoint string // "numgate/activation/decision"
	evaluator  DecisionEvaluator
}

func (s *Snapshot) prepare(ctx context.Context) error {
	var err error
	prep := func(query string) rego.PreparedEvalQuery {
		if err != nil {
			return rego.PreparedEvalQuery{}
		}
		var pq rego.PreparedEvalQuery
		pq, err = rego.New(rego.Query(query), rego.Compiler(s.compiler), rego.Store(s.store)).PrepareForEval(ctx)
		if err != nil {
			err = fmt.Errorf("preparing %s: %w", query, err)
		}
		return pq
	}
	decision := func(query string) decisionQuery {
		ep := strings.ReplaceAll(strings.TrimPrefix(query, "data."), ".", "/")
		return decisionQuery{pq: prep(query), entrypoint: ep, evaluator: DecisionEvaluator{Decision: decisionName(ep)}}
	}
	s.activation = decision(activationQuery)
	s.requirements = decision(requirementsQuery)
	s.accountAction = decision(accountActionQuery)
	s.contact = decision(contactQuery)
	s.mask = prep(maskQuery)
	if err != nil {
		return err
	}
	if err := s.plan(ctx); err != nil {
		return err
	}
	if s.contactStatuses, err = s.readContactStatuses(ctx); err != nil {
		return err
	}
	return s.loadMasks(ctx)
}

// Countries lists the configured countries, sorted by code.
func (s *Snapshot) Countries() []CountrySummary {
	out := make([]CountrySummary, 0, len(s.countries))
	for _, code := range sortedKeys(s.countries) {
		c := s.countries[code]
		sum := CountrySummary{Country: code, Name: c.Name, Numbers: map[string]map[string]OfferSummary{}}
		for t, uses := range c.Numbers {
			sum.Numbers[t] = map[string]OfferSummary{}
			for u, o := range uses {
				sum.Numbers[t][u] = OfferSummary{Available: o.Available, Confidence: o.Confidence}
			}
		}
		out = append(out, sum)
	}
	return out
}

// Country returns one configured country's summary.
func (s *Snapshot) Country(code string) (CountrySummary, bool) {
	if _, ok := s.countries[code]; !ok {
		return CountrySummary{}, false
	}
	for _, c := range s.Countries() {
		if c.Country == code {
			return c, true
		}
	}
	return CountrySummary{}, false
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
	if err := fromPolicy(v, &out); err != nil {
		return nil, fmt.Errorf("reading the requirements decision: %w", err)
	}
	out.DecisionID = s.newID()
	out.PolicyRevision = s.Revision
	return &out, nil
}

// Activation decides whether a number may go live. body is the JSON request (see
// engine/schema/activation.request.schema.json). A request the caller must fix is an
// *InputError listing every problem with its JSON Pointer.
func (s *Snapshot) Activation(ctx context.Context, body []byte) (*ActivationDecision, error) {
	var d ActivationDecision
	if err := s.decide(ctx, body, schemaActivation, s.enrichActivation, s.activation, &d); err != nil {
		return nil, err
	}
	d.DecisionID, d.PolicyRevision = s.newID(), s.Revision
	return &d, nil
}

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
	if err := s.checkDocumentKinds(req); err != nil {
		return err
	}
	facts := describeNumber(p, region)
	given, hasGiven := num["area_code"].(string)
	code, prob := areaCode(p, given, hasGiven)
	if prob != nil {
		return invalid(*prob)
	}
	num["e164"] = facts.E164
	num["country"] = region
	num["line_type"] = facts.LineType
	// Naming the number's area costs geocoding lookups; only an address scope tied to the
	// area needs it.
	if c.needsArea(stringAt(num, "type"), stringAt(req, "identity", "use")) {
		num["area"] = areaOf(p, code, region, c).value()
		req["address_keys"] = addressKeys(req)
	} else {
		num["area"] = map[string]any{"code": code, "names": []any{}, "keys": []any{}, "postal_codes": []any{}, "verifiable": false}
	}
	if code == "" {
		delete(num["area"].(map[string]any), "code")
	}
	return nil
}

// regionFor says which configured country a valid number is decided for: the caller's
// number.country when the number can belong to it (a shared calling code, such as +1
// for the United States, Canada and the Caribbean, or +44 for the United Kingdom and
// the Crown Dependencies), else the number's main region.
func (s *Snapshot) regionFor(p *phonenumbers.PhoneNumber, num map[string]any, ptr string) (string, error) {
	regions := regionsOf(p)
	region := regions[0]
	if given, ok := num["country"].(string); ok {
		if !slices.Contains(regions, given) {
			return "", invalid(Problem{Code: "country_mismatch", Pointer: ptr + "/country",
				Message: fmt.Sprintf("country %s contradicts the number %s, which can only belong to %s; send one of them or leave country out",
					given, phonenumbers.Format(p, phonenumbers.E164), strings.Join(regions, ", "))})
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
			ps = append(ps, Problem{Code: "invalid_value", Pointer: fmt.Sprintf("/identity/documents/%d/kind", i),
				Message: fmt.Sprintf("document kind %q is not one of %s; give the kind the document is for, or leave kind out", k, strings.Join(s.documentKinds, ", "))})
		}
	}
	if len(ps) > 0 {
		return invalid(ps...)
	}
	return nil
}

// decide is the path every decision takes: decode, check against the request schema,
// let the kind add what Go reads better than Rego (numbers, emails), set the decision
// time, evaluate the prepared query and type the result.
func (s *Snapshot) decide(ctx context.Context, body []byte, schema string, enrich func(map[string]any) error, q decisionQuery, out any) error {
	req, err := s.policyInput(body, schema, enrich)
	if err != nil {
		return err
	}
	input, err := ast.InterfaceToValue(req)
	if err != nil {
		return fmt.Errorf("building the policy input: %w", err)
	}
	res, err := s.eval(ctx, q, input)
	if err != nil {
		return err
	}
	if err := fromPolicy(res, out); err != nil {
		return fmt.Errorf("reading the decision: %w", err)
	}
	return nil
}

// policyInput turns a request into what the policies evaluate.
func (s *Snapshot) policyInput(body []byte, schema string, enrich func(map[string]any) error) (map[string]any, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	if err := s.checkSchema(schema, v); err != nil {
		return nil, err
	}
	req := v.(map[string]any) // the schema guarantees an object
	if err := enrich(req); err != nil {
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

// ActivationInput is the input the activation policy evaluates for a request: the
// request with what the engine reads from the number and the decision time. Given to a
// stock OPA (data.numgate.activation.decision), it decides the same.
func (s *Snapshot) ActivationInput(body []byte) (map[string]any, error) {
	return s.policyInput(body, schemaActivation, s.enrichActivation)
}

// NewDecisionID returns a fresh, time-ordered decision id.
func (s *Snapshot) NewDecisionID() string { return s.newID() }

func (s *Snapshot) unknownCountry(ptr, code string) error {
	msg := fmt.Sprintf("country %q is not configured; configured countries: %s", code, strings.Join(sortedKeys(s.countries), ", "))
	if code == "001" {
		// libphonenumber's region for global numbers (+800 freephone, +808, +870, +881…).
		msg = "the number is a global number of no country (such as +800 international freephone); no country's rules apply to it"
	}
	return &InputError{Err: ErrUnknownCountry, Problems: []Problem{{Code: "country_not_configured", Pointer: ptr, Message: msg}}}
}

// eval evaluates a decision, which must produce exactly one value: from its plan when
// planeval runs it, else with OPA's evaluator.
func (s *Snapshot) eval(ctx context.Context, q decisionQuery, input ast.Value) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("evaluating policy: %w", err) // out of time before it began
	}
	now := s.clock() // what time-reading built-ins see, under either evaluator
	if q.evaluator.Evaluator == EvaluatorPlan {
		v, defined, err := s.plans.Eval(ctx, q.entrypoint, input, s.data, planeval.Env{Time: now})
		if err != nil {
			return nil, fmt.Errorf("evaluating policy: %w", err)
		}
		if !defined {
			return nil, fmt.Errorf("evaluating policy: the query is undefined for this input; the policies must always decide")
		}
		recordShadow(ctx, q.evaluator.Decision, input, v, now)
		return ast.JSON(v)
	}
	return eval(ctx, q.pq, input, rego.EvalTime(now))
}

// eval runs a prepared query that must produce exactly one value.
func eval(ctx context.Context, pq rego.PreparedEvalQuery, input ast.Value, opts ...rego.EvalOption) (any, error) {
	rs, err := pq.Eval(ctx, append(opts, rego.EvalParsedInput(input))...)
	if err != nil {
		return nil, fmt.Errorf("evaluating policy: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("evaluating policy: the query is undefined for this input; the policies must always decide")
	}
	return rs[0].Expressions[0].Value, nil
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
			return invalid(Problem{Code: "invalid_value", Pointer: pointer(p),
				Message: fmt.Sprintf("%q is not a time numgate can use; write it as 2026-11-25T12:00:00Z", v)})
		}
		parent[key] = t.UTC().Format(time.RFC3339Nano)
	}
	return nil
}
