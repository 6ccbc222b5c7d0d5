package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/util"
)

// The data document the policies read: the countries, the catalogue and the policy
// data, with every offer's requirement entries built once when a snapshot loads.

// entriesQuery builds every offer's requirement entries with the policies' own rule.
const entriesQuery = `x := {c: {t: {u: {"base": data.numgate.requirements.build_entries(o), "changes": [data.numgate.requirements.build_entries(ch.offer) | some ch in o.changes]} | some u, o in uses} | some t, uses in country.numbers} | some c, country in data.countries}`

// buildStore places the country data and product rules in an OPA store, with each
// offer's requirement entries built once here rather than on every decision.
func buildStore(ctx context.Context, compiler *ast.Compiler, countries map[string]countryData, cat *Catalog, policyData map[string]any) (storage.Store, error) {
	// The store holds plain JSON values, as OPA's own loader would produce them.
	data := map[string]any{"countries": countries, "catalog": cat}
	for k, v := range policyData {
		data[k] = v
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("building policy data: %w", err)
	}
	var doc map[string]any
	if err := util.UnmarshalJSON(raw, &doc); err != nil {
		return nil, fmt.Errorf("building policy data: %w", err)
	}
	rs, err := rego.New(rego.Query(entriesQuery), rego.Compiler(compiler), rego.Store(inmem.NewFromObject(doc))).Eval(ctx)
	if err != nil || len(rs) != 1 {
		return nil, fmt.Errorf("building requirement entries: %v", err)
	}
	entries, _ := rs[0].Bindings["x"].(map[string]any)
	for c, types := range entries {
		for t, uses := range types.(map[string]any) {
			for u, built := range uses.(map[string]any) {
				offer := doc["countries"].(map[string]any)[c].(map[string]any)["numbers"].(map[string]any)[t].(map[string]any)[u].(map[string]any)
				offer["requirements"] = built.(map[string]any)["base"]
				for i, list := range built.(map[string]any)["changes"].([]any) {
					offer["changes"].([]any)[i].(map[string]any)["offer"].(map[string]any)["requirements"] = list
				}
			}
		}
	}
	return newStore(doc), nil
}

// newStore keeps the data document as AST values, so evaluation reads it without
// converting it on every decision.
func newStore(doc map[string]any) storage.Store {
	return inmem.NewFromObjectWithOpts(doc, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
}
