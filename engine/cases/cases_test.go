package cases_test

import (
	"context"
	"os"
	"testing"

	"github.com/numgate/numgate/engine"
	"github.com/numgate/numgate/engine/cases"
)

// TestDecisionCases runs every case under testdata/cases against the repository's own
// countries and policies.
func TestDecisionCases(t *testing.T) {
	ctx := context.Background()
	snap, err := engine.Load(ctx, engine.Config{
		Countries: engine.Tree{FS: os.DirFS("../../countries"), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("../../policies"), Name: "policies"},
	})
	if err != nil {
		t.Fatalf("loading the repository's policy tree: %v", err)
	}
	all, err := cases.Load(os.DirFS("../../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 60 {
		t.Fatalf("found %d decision cases, expected at least 60", len(all))
	}
	covered := map[string]bool{} // "DE local business", and each status
	for _, c := range all {
		t.Run(c.File, func(t *testing.T) {
			r := cases.Run(ctx, snap, c)
			if d := r.Decision; d != nil {
				covered[d.Country+" "+d.NumberType+" "+d.Use] = true
				covered[d.Status] = true
			}
			if r.Err != nil {
				t.Fatalf("%s: %v", c.Name, r.Err)
			}
			for _, f := range r.Failures {
				t.Errorf("%s: %s", c.Name, f)
			}
		})
	}
	// The corpus must reach every configured offer and every status.
	for _, c := range snap.Countries() {
		for numberType, uses := range c.Numbers {
			for use := range uses {
				if !covered[c.Country+" "+numberType+" "+use] {
					t.Errorf("no decision case for %s %s %s", c.Country, numberType, use)
				}
			}
		}
	}
	for _, s := range []string{engine.StatusNotAvailable, engine.StatusIncomplete, engine.StatusBlocked,
		engine.StatusReadyForReview, engine.StatusPending, engine.StatusRejected, engine.StatusActive} {
		if !covered[s] {
			t.Errorf("no decision case ends %s", s)
		}
	}
}
