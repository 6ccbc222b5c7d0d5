package cases_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nyaruka/phonenumbers"

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
			if d, ok := r.Decision.(*engine.ActivationDecision); ok {
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
	for _, s := range engine.KindActivation.Statuses() {
		if !covered[s] {
			t.Errorf("no decision case ends %s", s)
		}
	}
}

// TestCasesHoldWhateverCountriesExist: adding a country file never breaks the suite. No
// case may use a country the tree happens not to configure as its example of an
// unconfigured one (a +800 global number, which belongs to no country, serves). The
// proof: every region libphonenumber knows that the repository does not configure gets
// a minimal country file, and every case decides as it does on the repository's tree.
func TestCasesHoldWhateverCountriesExist(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../countries")); err != nil {
		t.Fatal(err)
	}
	added := 0
	for region := range phonenumbers.GetSupportedRegions() {
		file := filepath.Join(dir, region+".yaml")
		if _, err := os.Stat(file); err == nil {
			continue
		}
		country := fmt.Sprintf(`country: %q
name: Synthetic %s
sources:
  s: {url: "https://example.invalid/%s", read_on: 2026-12-01}
numbers:
  mobile:
    personal: {available: true, confidence: low, sources: [s]}
`, region, region, region)
		if err := os.WriteFile(file, []byte(country), 0o644); err != nil {
			t.Fatal(err)
		}
		added++
	}
	snap, err := engine.Load(ctx, engine.Config{
		Countries: engine.Tree{FS: os.DirFS(dir), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("../../policies"), Name: "policies"},
	})
	if err != nil {
		t.Fatalf("loading the tree with %d synthetic countries: %v", added, err)
	}
	if added < 150 {
		t.Fatalf("only %d synthetic countries added", added)
	}
	all, err := cases.Load(os.DirFS("../../testdata"), "cases")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		r := cases.Run(ctx, snap, c)
		if r.Err != nil {
			t.Errorf("%s: %v", c.File, r.Err)
		}
		for _, f := range r.Failures {
			t.Errorf("%s: %s", c.File, f)
		}
	}
	if _, err := snap.Requirements(ctx, engine.RequirementsQuery{Country: "ZZ", NumberType: "local", Use: "business"}); !errors.Is(err, engine.ErrUnknownCountry) {
		t.Errorf("ZZ, the tests' unconfigured country code, is not unknown: %v", err)
	}
}
