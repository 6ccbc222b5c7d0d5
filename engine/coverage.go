package engine

import (
	"context"
	"fmt"
	"github.com/numgate/numgate/engine/messages"
	"strings"
	"time"
)

// Coverage is what the country files cover, for compliance staff: for every configured
// country, every number type and use, whether it is available, not available (the
// sources say it is not offered) or unknown (the files hold no rules for it), how sure
// the facts are, whether their newest source is older than StaleAfterDays, and where
// the sources disagree. It is made from the requirements answers themselves, so it says
// exactly what GET /v1/requirements would.
type Coverage struct {
	AsOf           string            `json:"as_of"`
	StaleAfterDays int               `json:"stale_after_days"`
	Totals         CoverageTotals    `json:"totals"`
	Countries      []CountryCoverage `json:"countries"`
	// Translations says per language, English first, how many of the catalogue's
	// messages and of the files' own texts are translated, and how many of those a person
	// has reviewed.
	Translations []messages.Coverage `json:"translations"`
}

// CountryCoverage is one country's row of the matrix.
type CountryCoverage struct {
	Country string          `json:"country"`
	Name    string          `json:"name"`
	Offers  []OfferCoverage `json:"offers"` // every number type × use, in NumberTypes × Uses order
}

// OfferCoverage is one cell: a number type and use of a country.
type OfferCoverage struct {
	NumberType    string   `json:"number_type"`
	Use           string   `json:"use"`
	Availability  string   `json:"availability"` // available, not_available or unknown
	Confidence    string   `json:"confidence,omitempty"`
	SourcesReadOn string   `json:"sources_read_on,omitempty"`
	Stale         bool     `json:"stale,omitempty"`
	Disputed      []string `json:"disputed,omitempty"`
	Unverified    int      `json:"unverified,omitempty"` // how many facts the sources leave open
}

// CoverageTotals counts the cells of the matrix.
type CoverageTotals struct {
	Countries    int `json:"countries"`
	Available    int `json:"available"`
	NotAvailable int `json:"not_available"`
	Unknown      int `json:"unknown"`
	Stale        int `json:"stale"`
	Disputed     int `json:"disputed"`
}

// CoverageQuery asks for the matrix as of a day (zero: today), with a staleness
// threshold in days (zero: the policy data's, data.product.facts.stale_after_days).
type CoverageQuery struct {
	At             time.Time
	StaleAfterDays int
}

// Coverage builds the coverage matrix.
func (s *Snapshot) Coverage(ctx context.Context, q CoverageQuery) (*Coverage, error) {
	out := &Coverage{Countries: []CountryCoverage{}}
	for _, code := range sortedKeys(s.countries) {
		row := CountryCoverage{Country: code, Name: s.countries[code].Name}
		for _, nt := range NumberTypes {
			for _, use := range Uses {
				r, err := s.Requirements(ctx, RequirementsQuery{Country: code, NumberType: nt, Use: use, At: q.At, StaleAfterDays: q.StaleAfterDays})
				if err != nil {
					return nil, fmt.Errorf("coverage of %s %s %s: %w", code, nt, use, err)
				}
				out.AsOf, out.StaleAfterDays = r.AsOf, r.StaleAfterDays
				cell := OfferCoverage{NumberType: nt, Use: use, Availability: r.Availability, Confidence: r.Confidence,
					SourcesReadOn: r.SourcesReadOn, Stale: r.Stale, Disputed: r.Disputed, Unverified: len(r.Unverified)}
				out.Totals.count(cell)
				row.Offers = append(row.Offers, cell)
			}
		}
		out.Countries = append(out.Countries, row)
	}
	out.Totals.Countries = len(out.Countries)
	out.Translations = s.Translations()
	return out, nil
}

func (t *CoverageTotals) count(c OfferCoverage) {
	switch c.Availability {
	case "available":
		t.Available++
	case "not_available":
		t.NotAvailable++
	default:
		t.Unknown++
	}
	if c.Stale {
		t.Stale++
	}
	if len(c.Disputed) > 0 {
		t.Disputed++
	}
}

// FactWarnings lists, at each offer's position in its country file, what compliance
// staff should look at again: facts whose newest source is stale, and sources that
// disagree. They are warnings, not errors: the files are valid.
func (s *Snapshot) FactWarnings(ctx context.Context, q CoverageQuery) (Diagnostics, error) {
	cov, err := s.Coverage(ctx, q)
	if err != nil {
		return nil, err
	}
	var ds Diagnostics
	for _, row := range cov.Countries {
		for _, c := range row.Offers {
			at, ok := s.offerAt[row.Country+" "+c.NumberType+" "+c.Use]
			if !ok {
				at = Diagnostic{File: "countries/" + row.Country + ".yaml"}
			}
			where := "numbers." + c.NumberType + "." + c.Use + ": "
			if c.Stale {
				d := at
				d.Message = fmt.Sprintf("warning: %sthe newest source was read on %s, more than %d days before %s; read the sources again and update read_on (or the facts)",
					where, c.SourcesReadOn, cov.StaleAfterDays, cov.AsOf)
				ds = append(ds, d)
			}
			if c.SourcesReadOn > cov.AsOf { // both YYYY-MM-DD
				d := at
				d.Message = fmt.Sprintf("warning: %sa source's read_on is %s, after %s: read_on is the day the source was read (a mistyped year would keep the facts from ever going stale)",
					where, c.SourcesReadOn, cov.AsOf)
				ds = append(ds, d)
			}
			if len(c.Disputed) > 0 {
				d := at
				d.Message = fmt.Sprintf("warning: %sthe sources disagree: %s", where, strings.Join(c.Disputed, " "))
				ds = append(ds, d)
			}
		}
	}
	return ds, nil
}
