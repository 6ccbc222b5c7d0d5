package policies_test

import (
	"context"
	"testing"

	"github.com/numgate/numgate/engine/regotest"
	"github.com/numgate/numgate/policies"
)

// TestRego runs every *_test.rego beside the policies, as `opa test policies/` does.
func TestRego(t *testing.T) {
	rep, err := regotest.Run(context.Background(), policies.FS(), "policies")
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) == 0 {
		t.Fatal("no Rego tests found")
	}
	for _, r := range rep.Results {
		t.Run(r.Package+"."+r.Name, func(t *testing.T) {
			if !r.Pass() {
				t.Errorf("%s:%d: %s", r.Location.File, r.Location.Row, r)
			}
		})
	}
}
