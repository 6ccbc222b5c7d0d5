package engine

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

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
