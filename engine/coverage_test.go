package engine_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/numgate/numgate/engine"
)

// TestCoverage: every configured country has a cell for every number type and use,
// unknown told from not available, and the totals count the cells.
func TestCoverage(t *testing.T) {
	snap := loadRepo(t)
	cov, err := snap.Coverage(context.Background(), engine.CoverageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string]engine.OfferCoverage{}
	n := 0
	for _, row := range cov.Countries {
		if len(row.Offers) != len(engine.NumberTypes)*len(engine.Uses) {
			t.Errorf("%s: %d cells", row.Country, len(row.Offers))
		}
		for _, o := range row.Offers {
			cells[row.Country+" "+o.NumberType+" "+o.Use] = o
			n++
		}
	}
	for key, want := range map[string]string{
		"DE local business": "available", "DE local personal": "not_available", "DE mobile personal": "unknown",
	} {
		if got := cells[key].Availability; got != want {
			t.Errorf("%s: %s, want %s", key, got, want)
		}
	}
	if ok := cells["DE local business"]; ok.Confidence == "" || ok.SourcesReadOn == "" {
		t.Errorf("DE local business lacks confidence or sources: %+v", ok)
	}
	tot := cov.Totals
	if tot.Countries != len(snap.Countries()) || tot.Available+tot.NotAvailable+tot.Unknown != n || cov.StaleAfterDays != 180 {
		t.Errorf("totals %+v over %d cells, stale after %d", tot, n, cov.StaleAfterDays)
	}
	// Three years on, every configured offer is stale by the default threshold.
	later, err := snap.Coverage(context.Background(), engine.CoverageQuery{At: time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if later.Totals.Stale != later.Totals.Available+later.Totals.NotAvailable {
		t.Errorf("in 2029 %d of %d configured offers stale", later.Totals.Stale, later.Totals.Available+later.Totals.NotAvailable)
	}
}

// TestFactWarnings: a stale offer is warned about at its place in its country file.
func TestFactWarnings(t *testing.T) {
	snap := loadRepo(t)
	ws, err := snap.FactWarnings(context.Background(), engine.CoverageQuery{At: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), StaleAfterDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	at := regexp.MustCompile(`^countries/DE\.yaml:\d+:\d+: warning: numbers\.local\.business: the newest source was read on 2026-11-23, more than 30 days before 2026-12-31`)
	found := false
	for _, w := range ws {
		found = found || at.MatchString(w.String())
	}
	if !found {
		t.Errorf("no positioned warning for DE local business among %d:\n%v", len(ws), ws)
	}
	// Asked for a day before the sources were read, every offer's read_on is after it: a
	// mistyped year (2036 for 2026) looks like that.
	ws, err = snap.FactWarnings(context.Background(), engine.CoverageQuery{At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), StaleAfterDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	future := regexp.MustCompile(`^countries/DE\.yaml:\d+:\d+: warning: numbers\.local\.business: a source's read_on is 2026-11-23, after 2026-01-01`)
	found = false
	for _, w := range ws {
		found = found || future.MatchString(w.String())
	}
	if !found {
		t.Errorf("no warning of a read_on after the day asked for among %d", len(ws))
	}
}
