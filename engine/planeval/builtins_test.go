package planeval

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Every built-in of the OPA version in go.mod is either allowed (and implemented) or
// refused with a reason: an OPA upgrade that adds one fails here until someone decides
// which, and until then the built-in refuses the decisions that call it.
func TestEveryBuiltinIsReviewed(t *testing.T) {
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		allowed, why := allowedBuiltins[b.Name], refusedBuiltins[b.Name]
		switch {
		case allowed && why != "":
			t.Errorf("built-in %s is both allowed and refused", b.Name)
		case !allowed && why == "":
			t.Errorf("built-in %s (new in this OPA?) is neither in allowedBuiltins nor in refusedBuiltins: review whether planeval runs it exactly (the conformance suite and OPA's implementation tell) and list it", b.Name)
		case allowed && topdown.GetBuiltin(b.Name) == nil:
			t.Errorf("built-in %s is allowed but OPA has no implementation of it", b.Name)
		}
	}
	known := map[string]bool{}
	for _, b := range ast.CapabilitiesForThisVersion().Builtins {
		known[b.Name] = true
	}
	for name := range allowedBuiltins {
		if !known[name] {
			t.Errorf("allowedBuiltins lists %s, which this OPA does not have", name)
		}
	}
	for name := range refusedBuiltins {
		if !known[name] {
			t.Errorf("refusedBuiltins lists %s, which this OPA does not have", name)
		}
	}
}
