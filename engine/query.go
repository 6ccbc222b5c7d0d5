package engine

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nyaruka/phonenumbers"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
)

// dataPathSegment is what a segment of a data path may be: a Rego identifier, so a path
// can only name rules and data, never smuggle in an expression.
var dataPathSegment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// maxPreparedPaths bounds the prepared Data API queries one snapshot keeps; past it a
// query is prepared for the call and dropped.
const maxPreparedPaths = 256

// queryCache keeps prepared queries of the Data API by path, per snapshot.
type queryCache struct {
	mu sync.Mutex
	m  map[string]rego.PreparedEvalQuery
}

// Query evaluates data.<path> (segments separated by "/", as in OPA's Data API) against
// the snapshot with the given input (nil for none), and says whether it was defined. The
// input goes to the policies as given: unlike Activation, nothing is enriched.
func (s *Snapshot) Query(ctx context.Context, path string, input any) (result any, defined bool, err error) {
	ref := "data"
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if seg == "" {
			continue
		}
		if !dataPathSegment.MatchString(seg) {
			return nil, false, invalid(Problem{Code: "invalid_path", Pointer: "",
				Message: fmt.Sprintf("path segment %q is not a Rego identifier (letters, digits, _; not starting with a digit)", seg)})
		}
		ref += "." + seg
	}
	pq, err := s.prepared(ctx, ref)
	if err != nil {
		return nil, false, err
	}
	opts := []rego.EvalOption{}
	if input != nil {
		v, err := ast.InterfaceToValue(input)
		if err != nil {
			return nil, false, invalid(Problem{Code: "invalid_value", Pointer: "/input", Message: "the input is not a JSON value: " + err.Error()})
		}
		opts = append(opts, rego.EvalParsedInput(v))
	}
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("evaluating %s: %w", ref, err)
	}
	rs, err := pq.Eval(ctx, opts...)
	if err != nil {
		return nil, false, fmt.Errorf("evaluating %s: %w", ref, err)
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		return nil, false, nil
	}
	return rs[0].Expressions[0].Value, true, nil
}

func (s *Snapshot) prepared(ctx context.Context, ref string) (rego.PreparedEvalQuery, error) {
	s.queries.mu.Lock()
	pq, ok := s.queries.m[ref]
	s.queries.mu.Unlock()
	if ok {
		return pq, nil
	}
	pq, err := rego.New(rego.Query(ref), rego.Compiler(s.compiler), rego.Store(s.store)).PrepareForEval(ctx)
	if err != nil {
		return pq, fmt.Errorf("preparing %s: %w", ref, err)
	}
	s.queries.mu.Lock()
	if s.queries.m == nil {
		s.queries.m = map[string]rego.PreparedEvalQuery{}
	}
	if len(s.queries.m) < maxPreparedPaths {
		s.queries.m[ref] = pq
	}
	s.queries.mu.Unlock()
	return pq, nil
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
	facts := describeNumber(p, phonenumbers.GetRegionCodeForNumber(p))
	info := NumberInfo{E164: facts.E164, LineType: facts.LineType, AreaCode: facts.AreaCode,
		Countries: regionsOf(p), NumberTypes: nonNil(numberTypesOfLine(facts.LineType, facts.AreaCode))}
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

// Data is the whole base data document the policies read (countries as normalised, the
// requirement entries built at load, and the policy data files), as plain JSON values:
// what a stock OPA needs, beside the .rego files, to decide as this snapshot does.
func (s *Snapshot) Data(ctx context.Context) (map[string]any, error) {
	v, err := storage.ReadOne(ctx, s.store, storage.Path{})
	if err != nil {
		return nil, fmt.Errorf("reading the data document: %w", err)
	}
	if av, ok := v.(ast.Value); ok {
		if v, err = ast.JSON(av); err != nil {
			return nil, err
		}
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the data document is a %T", v)
	}
	return doc, nil
}
