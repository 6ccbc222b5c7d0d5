package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/numgate/numgate/engine"
)

// coverageFilter is the matrix's search and filters, all from the query string.
type coverageFilter struct {
	Query        string // country code or name, any case
	Availability string // available, not_available, unknown, or "" for any
	Confidence   string // high, medium, low, or ""
	NumberType   string // a column group, or "" for all
	Use          string
	Stale        bool // only offers whose sources are stale
	Disputed     bool // only offers whose sources disagree
}

func readCoverageFilter(q url.Values) coverageFilter {
	oneOf := func(v string, allowed ...string) string {
		for _, a := range allowed {
			if v == a {
				return v
			}
		}
		return ""
	}
	return coverageFilter{
		Query:        strings.TrimSpace(q.Get("q")),
		Availability: oneOf(q.Get("availability"), "available", "not_available", "unknown"),
		Confidence:   oneOf(q.Get("confidence"), "high", "medium", "low"),
		NumberType:   oneOf(q.Get("type"), engine.NumberTypes...),
		Use:          oneOf(q.Get("use"), engine.Uses...),
		Stale:        q.Get("stale") != "",
		Disputed:     q.Get("disputed") != "",
	}
}

// cellFilters says whether any filter applies to cells (rather than to countries).
func (f coverageFilter) cellFilters() bool {
	return f.Availability != "" || f.Confidence != "" || f.Stale || f.Disputed
}

func (f coverageFilter) matches(o engine.OfferCoverage) bool {
	return (f.Availability == "" || o.Availability == f.Availability) &&
		(f.Confidence == "" || o.Confidence == f.Confidence) &&
		(!f.Stale || o.Stale) && (!f.Disputed || len(o.Disputed) > 0)
}

func (f coverageFilter) matchesCountry(code, name string) bool {
	q := strings.ToLower(f.Query)
	return q == "" || strings.ToLower(code) == q || strings.Contains(strings.ToLower(name), q)
}

// coverageView is the matrix page.
type coverageView struct {
	Revision    string
	Coverage    *engine.Coverage
	Filter      coverageFilter
	Groups      []columnGroup // number types shown, each with its uses
	Rows        []coverageRow
	NumberTypes []string
	Uses        []string
}

type columnGroup struct {
	NumberType string
	Uses       []string
}

type coverageRow struct {
	Country, Name string
	Cells         []coverageCell
}

type coverageCell struct {
	engine.OfferCoverage
	Country string
	Dim     bool // shown, but not what the filters ask for
}

// coveragePage: the country × number type × use matrix (GET /v1/coverage), searchable
// and filterable, each cell a link to its offer.
func (c *Console) coveragePage(w http.ResponseWriter, r *http.Request, v *visit) {
	a := c.call(r, v, http.MethodGet, "/v1/coverage", nil)
	if !a.OK() {
		c.failAPI(w, r, v, a)
		return
	}
	var cov struct {
		PolicyRevision string `json:"policy_revision"`
		engine.Coverage
	}
	if err := a.decode(&cov); err != nil {
		c.fail(w, r, v, http.StatusBadGateway, err.Error())
		return
	}
	f := readCoverageFilter(r.URL.Query())
	view := coverageView{Revision: cov.PolicyRevision, Coverage: &cov.Coverage, Filter: f, NumberTypes: engine.NumberTypes, Uses: engine.Uses}
	for _, nt := range engine.NumberTypes {
		if f.NumberType != "" && nt != f.NumberType {
			continue
		}
		g := columnGroup{NumberType: nt}
		for _, u := range engine.Uses {
			if f.Use == "" || u == f.Use {
				g.Uses = append(g.Uses, u)
			}
		}
		view.Groups = append(view.Groups, g)
	}
	// A query that is a country's code means that country (DE, not also Denmark and
	// Sweden, whose names contain "de").
	byCode := false
	for _, row := range cov.Countries {
		byCode = byCode || strings.EqualFold(row.Country, f.Query)
	}
	for _, row := range cov.Countries {
		if !f.matchesCountry(row.Country, row.Name) || (byCode && !strings.EqualFold(row.Country, f.Query)) {
			continue
		}
		out := coverageRow{Country: row.Country, Name: row.Name}
		matched := false
		for _, o := range row.Offers {
			if (f.NumberType != "" && o.NumberType != f.NumberType) || (f.Use != "" && o.Use != f.Use) {
				continue
			}
			m := f.matches(o)
			matched = matched || m
			out.Cells = append(out.Cells, coverageCell{OfferCoverage: o, Country: row.Country, Dim: f.cellFilters() && !m})
		}
		if matched {
			view.Rows = append(view.Rows, out)
		}
	}
	c.render(w, r, v, http.StatusOK, "coverage", "Coverage", view)
}
