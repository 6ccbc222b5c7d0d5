package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/numgate/numgate/engine/messages"
	"github.com/numgate/numgate/engine/planeval"
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
	documentKinds []string              // the catalogue's document kinds, sorted
	offerAt       map[string]Diagnostic // each offer's position in its file, for warnings
	schemas       *schemas
	compiler      *ast.Compiler
	store         storage.Store
	clock         func() time.Time
	newID         func() string

	modules   map[string]*ast.Module // the parsed policies, as the planner needs them
	evaluator Evaluator              // as configured
	data      ast.Value              // the data document, for planned decisions
	plans     *planeval.Program      // the decisions' plans (evaluator.go); nil: none planned

	decisions    map[Kind]*decisionQuery // by kind (kind.go)
	requirements decisionQuery
	mask         rego.PreparedEvalQuery
	queries      queryCache // the Data API's, by path

	masks map[Kind][]*maskOp // the masking policy by decision kind, evaluated at load

	actions []string       // the account actions data.account defines
	fiction *fictionRanges // the phone numbers reserved for fiction (data.fiction)

	rego map[string][]byte // the policy modules' sources, by path in the tree

	catalogue *messages.Catalogue // every message and text in every language (messages.go)
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
	s.decisions = make(map[Kind]*decisionQuery, len(Kinds))
	for _, k := range Kinds {
		q := decision(kinds[k].query)
		s.decisions[k] = &q
	}
	s.requirements = decision(requirementsQuery)
	s.mask = prep(maskQuery)
	if err != nil {
		return err
	}
	if err := s.plan(ctx); err != nil {
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
				sum.Numbers[t][u] = OfferSummary{Availability: availability(o.Available), Confidence: o.Confidence}
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

// NewDecisionID returns a fresh, time-ordered decision id.
func (s *Snapshot) NewDecisionID() string { return s.newID() }

func (s *Snapshot) unknownCountry(ptr, code string) error {
	p := problem("country_not_configured", ptr, "input.country_not_configured", map[string]any{"country": quoted(code), "countries": strings.Join(sortedKeys(s.countries), ", ")})
	if meant := commonRegionMistakes[code]; meant != "" {
		p = problem("country_not_configured", ptr, "input.country_code_mistaken", map[string]any{"country": quoted(code), "meant": meant})
	}
	if code == "001" {
		// libphonenumber's region for global numbers (+800 freephone, +808, +870, +881…).
		p = problem("country_not_configured", ptr, "input.global_number", nil)
	}
	return &InputError{Err: ErrUnknownCountry, Problems: []Problem{p}}
}

// eval evaluates a decision, which must produce exactly one value: from its plan when
// planeval runs it (OPA's value, an ast.Value), else with OPA's evaluator (JSON values);
// typeResult reads either.
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
		return v, nil
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

// availability words an offer's availability as the answers do.
func availability(available bool) string {
	if available {
		return "available"
	}
	return "not_available"
}
